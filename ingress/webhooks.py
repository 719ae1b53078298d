"""``POST /webhook/jira1`` and ``/webhook/jira2``: map the outcome of a delivery to a status.

202 once the broker acknowledged; 401 bad signature; 400 not JSON or not a webhook; 413
too large; 503 with ``Retry-After`` when the broker did not acknowledge in time (JIRA
retries). Valid webhooks of kinds the sync does not use go to the ignored-events topic.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ingress import context as ctx
from ingress.http import BodyTooLarge, Busy, Handler, UnreadableBody, json_error, read_body
from ingress.outbox import Outcome, Unavailable
from ingress.publisher import MessageTooLarge
from ingress.receive import (
    BadSignature,
    Delivery,
    DeliveryError,
    NotAWebhook,
    NotJson,
    check_signature_header,
    receive,
)
from streams.records import SiteNumber

log = logging.getLogger(__name__)

REJECTIONS: dict[type[Exception], tuple[int, str]] = {
    BadSignature: (401, "unauthorized"),
    NotJson: (400, "not_json"),
    NotAWebhook: (400, "not_a_webhook"),
    BodyTooLarge: (413, "too_large"),
    UnreadableBody: (400, "unreadable_body"),
    MessageTooLarge: (413, "too_large"),
    Unavailable: (503, "unavailable"),
    Busy: (503, "busy"),
}
Rejection = BodyTooLarge | UnreadableBody | DeliveryError | MessageTooLarge | Unavailable | Busy


def webhook_routes() -> list[web.RouteDef]:
    return [web.post(f"/webhook/jira{site}", webhook_handler(site)) for site in (1, 2)]


def webhook_handler(site: SiteNumber) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        began = time.perf_counter()
        try:
            delivery = await _verified(site, request)
            outcome = await _publish(request.app, delivery)
        except (
            BodyTooLarge,
            UnreadableBody,
            DeliveryError,
            MessageTooLarge,
            Unavailable,
            Busy,
        ) as error:
            return _rejected(request.app, site, error, began)
        label = outcome.value if outcome is Outcome.DUPLICATE else _kind(delivery)
        request.app[ctx.METRICS].requests.labels(f"jira{site}", label).inc()
        _log(logging.INFO, site, label, 202, began, delivery)
        body = {"status": label, "webhook_id": delivery.webhook_id}
        return web.json_response(body, status=202)

    return handle


async def _verified(site: SiteNumber, request: web.Request) -> Delivery:
    """The signature header is checked before the body is read, and the body is read in
    one of a bounded number of slots."""
    app = request.app
    check_signature_header(request.headers, app[ctx.SECRETS][site])
    async with app[ctx.BODY_READS].slot():
        body = await read_body(request, app[ctx.OPTIONS].max_body_bytes)
    app[ctx.METRICS].payload_bytes.labels(f"jira{site}").observe(len(body))
    return receive(site, request.headers, body, app[ctx.SECRETS][site], app[ctx.CLOCK]())


async def _publish(app: web.Application, delivery: Delivery) -> Outcome:
    topics = app[ctx.TOPICS]
    site = delivery.envelope.site
    topic = topics.events(site) if delivery.synced else topics.ignored_events
    began = time.perf_counter()
    outcome = await app[ctx.OUTBOX].publish(
        delivery.webhook_id, topic, delivery.key, delivery.value
    )
    if outcome is Outcome.PUBLISHED:
        kind = "events" if delivery.synced else "ignored"
        app[ctx.METRICS].publish_seconds.labels(kind).observe(time.perf_counter() - began)
    return outcome


def _kind(delivery: Delivery) -> str:
    return "accepted" if delivery.synced else "ignored"


def _rejected(
    app: web.Application, site: SiteNumber, error: Rejection, began: float
) -> web.Response:
    status, label = next(REJECTIONS[kind] for kind in type(error).__mro__ if kind in REJECTIONS)
    app[ctx.METRICS].requests.labels(f"jira{site}", label).inc()
    _log(logging.WARNING, site, label, status, began, None, _reason(error))
    headers = {"Retry-After": str(app[ctx.OPTIONS].retry_after)} if status == 503 else None
    return json_error(status, label, _reason(error), headers)


def _reason(error: Rejection) -> str:
    known = BodyTooLarge | UnreadableBody | DeliveryError | Busy
    return error.reason if isinstance(error, known) else str(error)


def _log(
    level: int,
    site: SiteNumber,
    outcome: str,
    status: int,
    began: float,
    delivery: Delivery | None,
    reason: str | None = None,
) -> None:
    fields: dict[str, object] = {"site": site, "outcome": outcome, "status": status}
    fields["ms"] = round((time.perf_counter() - began) * 1000, 2)
    if delivery is not None:
        envelope = delivery.envelope
        fields |= {"webhook_id": envelope.webhook_id, "event_type": envelope.event_type}
        fields |= {"issue_id": envelope.issue_id, "retry": envelope.retry}
    if reason is not None:
        fields["reason"] = reason
    log.log(level, "webhook %s", outcome, extra=fields)
