"""The ingress composition root: ``create_app(settings, publisher, ...)``.

One aiohttp app serves the webhooks, the management API and the metrics. The publisher is
started and closed in ``cleanup_ctx``: on shutdown aiohttp first lets in-flight requests
finish, then the outbox waits for publications still running and the publisher flushes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime

from aiohttp import web

from ingress import context as ctx
from ingress.health import Probe
from ingress.http import BodyReads, json_errors
from ingress.management import management_routes
from ingress.metrics import IngressMetrics
from ingress.outbox import Outbox
from ingress.publisher import Publisher
from ingress.webhooks import webhook_routes
from streams.records import SiteNumber
from streams.settings import Settings
from streams.topics import Topics

log = logging.getLogger(__name__)
SITES: tuple[SiteNumber, SiteNumber] = (1, 2)


class MissingSecret(Exception):
    """A site has no webhook secret and the insecure development flag was not given."""


def webhook_secrets(settings: Settings, insecure: bool) -> dict[SiteNumber, str | None]:
    """The secret of each site; ``None`` (no verification) only in insecure mode."""
    secrets: dict[SiteNumber, str | None] = {}
    for site in SITES:
        secret = settings.webhook_secret_for(site)
        value = secret.get_secret_value() if secret is not None else ""
        secrets[site] = value or None
    missing = [f"WEBHOOK_SECRET_{site}" for site, value in secrets.items() if value is None]
    if missing and not insecure:
        raise MissingSecret(
            f"no webhook secret for {', '.join(missing)}: set WEBHOOK_SECRET (or the per-site "
            "variable), or start with --insecure-skip-signature for local development only"
        )
    return secrets


def create_app(
    settings: Settings,
    publisher: Publisher,
    options: ctx.IngressOptions | None = None,
    probes: Mapping[str, Probe] | None = None,
    clock: Callable[[], datetime] = ctx.utc_now,
    new_id: Callable[[], str] = ctx.new_command_id,
) -> web.Application:
    """Build the app; raise ``MissingSecret`` rather than serve unverified webhooks."""
    options = options or ctx.IngressOptions()
    secrets = webhook_secrets(settings, options.insecure)
    app = web.Application(client_max_size=options.max_body_bytes + 1, middlewares=[json_errors])
    app[ctx.SETTINGS] = settings
    app[ctx.OPTIONS] = options
    app[ctx.TOPICS] = Topics(settings.kafka_topic_prefix)
    app[ctx.SECRETS] = secrets
    app[ctx.PUBLISHER] = publisher
    app[ctx.OUTBOX] = Outbox(publisher, options.publish_timeout)
    app[ctx.METRICS] = IngressMetrics()
    app[ctx.PROBES] = probes or {}
    app[ctx.CLOCK] = clock
    app[ctx.NEW_ID] = new_id
    app[ctx.BODY_READS] = BodyReads(options.max_concurrent_reads, options.read_slot_wait)
    app.cleanup_ctx.append(_publisher_lifecycle)
    app.add_routes(webhook_routes() + management_routes())
    return app


async def _publisher_lifecycle(app: web.Application) -> AsyncIterator[None]:
    _warn_if_insecure(app[ctx.SECRETS])
    await app[ctx.PUBLISHER].start()
    log.info("ingress ready", extra={"topic_prefix": app[ctx.SETTINGS].kafka_topic_prefix})
    yield
    abandoned = await app[ctx.OUTBOX].drain(app[ctx.OPTIONS].drain_timeout)
    await app[ctx.PUBLISHER].close()
    log.info("ingress stopped", extra={"abandoned_publications": abandoned})


def _warn_if_insecure(secrets: Mapping[SiteNumber, str | None]) -> None:
    unverified = [f"jira{site}" for site, secret in secrets.items() if secret is None]
    if unverified:
        log.warning(
            "INSECURE: webhook signatures are NOT verified for %s (development flag "
            "--insecure-skip-signature); never run like this in production",
            ", ".join(unverified),
            extra={"unverified_sites": unverified},
        )
