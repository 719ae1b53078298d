"""``POST /webhook/jira1`` and ``/webhook/jira2``: map the outcome of a delivery to a status.

202 once the broker acknowledged; 401 bad signature; 400 not JSON or not a webhook; 413
too large; 503 with ``Retry-After`` when the broker did not acknowledge in time (JIRA
retries). Valid webhooks of kinds the sync does not use go to the ignored-events topic.

Nothing is built per request that can be built once: the app's parts, the metric
children and the 202 bodies are bound at the first request of a route.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import orjson
from aiohttp import web

from ingress import context as ctx
from ingress.http import (
    BodyReads,
    BodyTooLarge,
    Busy,
    Handler,
    UnreadableBody,
    json_error,
    read_body,
)
from ingress.metrics import SiteMetrics
from ingress.outbox import Outbox, Outcome, Unavailable
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
# The 202 bodies, encoded once: only the webhook id is added per request.
ANSWERS = {
    label: b'{"status":"%s","webhook_id":' % label.encode()
    for label in ("accepted", "ignored", Outcome.DUPLICATE.value)
}


@dataclass(frozen=True)
class Route:
    """What one site's webhook route uses, taken from the app once."""

    app: web.Application
    site: SiteNumber
    secret: str | None
    max_body_bytes: int
    retry_after: str
    events_topic: str
    ignored_topic: str
    outbox: Outbox
    reads: BodyReads
    clock: Callable[[], datetime]
    metrics: SiteMetrics

    @classmethod
    def of(cls, app: web.Application, site: SiteNumber) -> Route:
        options, topics = app[ctx.OPTIONS], app[ctx.TOPICS]
        return cls(
            app=app,
            site=site,
            secret=app[ctx.SECRETS][site],
            max_body_bytes=options.max_body_bytes,
            retry_after=str(options.retry_after),
            events_topic=topics.events(site),
            ignored_topic=topics.ignored_events,
            outbox=app[ctx.OUTBOX],
            reads=app[ctx.BODY_READS],
            clock=app[ctx.CLOCK],
            metrics=SiteMetrics(app[ctx.METRICS], site),
        )


def webhook_routes() -> list[web.RouteDef]:
    return [web.post(f"/webhook/jira{site}", webhook_handler(site)) for site in (1, 2)]


def webhook_handler(site: SiteNumber) -> Handler:
    bound: list[Route] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        began = time.perf_counter()
        if not bound or bound[0].app is not request.app:
            bound[:] = [Route.of(request.app, site)]
        route = bound[0]
        try:
            delivery = await _verified(route, request)
            outcome = await _publish(route, delivery)
        except (
            BodyTooLarge,
            UnreadableBody,
            DeliveryError,
            MessageTooLarge,
            Unavailable,
            Busy,
        ) as error:
            return _rejected(route, error, began)
        label = outcome.value if outcome is Outcome.DUPLICATE else _kind(delivery)
        route.metrics.outcome(label).inc()
        if log.isEnabledFor(logging.DEBUG):
            _log(logging.DEBUG, site, label, 202, began, delivery)
        body = ANSWERS[label] + orjson.dumps(delivery.webhook_id) + b"}"
        return web.Response(body=body, status=202, content_type="application/json")

    return handle


async def _verified(route: Route, request: web.Request) -> Delivery:
    """The signature header is checked before the body is read, and the body is read in
    one of a bounded number of slots."""
    check_signature_header(request.headers, route.secret)
    await route.reads.take()
    try:
        body = await read_body(request, route.max_body_bytes)
    finally:
        route.reads.release()
    route.metrics.payload_bytes().observe(len(body))
    return receive(route.site, request.headers, body, route.secret, route.clock())


async def _publish(route: Route, delivery: Delivery) -> Outcome:
    topic = route.events_topic if delivery.synced else route.ignored_topic
    began = time.perf_counter()
    outcome = await route.outbox.publish(
        delivery.webhook_id, topic, delivery.key, delivery.value, delivery.headers
    )
    if outcome is Outcome.PUBLISHED:
        route.metrics.publish_seconds(delivery.synced).observe(time.perf_counter() - began)
    return outcome


def _kind(delivery: Delivery) -> str:
    return "accepted" if delivery.synced else "ignored"


def _rejected(route: Route, error: Rejection, began: float) -> web.Response:
    status, label = next(REJECTIONS[kind] for kind in type(error).__mro__ if kind in REJECTIONS)
    route.metrics.outcome(label).inc()
    _log(logging.INFO, route.site, label, status, began, None, _reason(error))
    headers = {"Retry-After": route.retry_after} if status == 503 else None
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
        stamp = delivery.stamp
        fields |= {"webhook_id": stamp.webhook_id, "event_type": stamp.event_type}
        fields |= {"issue_id": stamp.issue_id, "retry": stamp.retry}
    if reason is not None:
        fields["reason"] = reason
    log.log(level, "webhook %s", outcome, extra=fields)
