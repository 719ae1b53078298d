"""What the handlers find on the app: options and typed ``web.AppKey``s."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from ingress.health import Probe
from ingress.http import BodyReads
from ingress.metrics import IngressMetrics
from ingress.outbox import Outbox
from ingress.publisher import Publisher
from streams.records import SiteNumber
from streams.settings import Settings
from streams.topics import Topics

JIRA_MAX_BODY = 25 * 1024 * 1024


@dataclass(frozen=True)
class IngressOptions:
    """Ingress knobs that are not deployment settings (set by CLI options)."""

    max_body_bytes: int = JIRA_MAX_BODY
    publish_timeout: float = 5.0
    retry_after: int = 10
    insecure: bool = False
    health_timeout: float = 3.0
    drain_timeout: float = 10.0
    max_concurrent_reads: int = 64  # webhook bodies read at once
    read_slot_wait: float = 5.0  # seconds a delivery waits for one, then 503


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_command_id() -> str:
    return uuid.uuid4().hex


SETTINGS = web.AppKey("settings", Settings)
OPTIONS = web.AppKey("options", IngressOptions)
TOPICS = web.AppKey("topics", Topics)
METRICS = web.AppKey("metrics", IngressMetrics)
OUTBOX = web.AppKey("outbox", Outbox)
PUBLISHER: web.AppKey[Publisher] = web.AppKey("publisher")
SECRETS: web.AppKey[Mapping[SiteNumber, str | None]] = web.AppKey("secrets")
PROBES: web.AppKey[Mapping[str, Probe]] = web.AppKey("probes")
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
NEW_ID: web.AppKey[Callable[[], str]] = web.AppKey("new_id")
BODY_READS = web.AppKey("body_reads", BodyReads)
