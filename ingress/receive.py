"""From one HTTP delivery to an envelope for the log, or a typed error. No I/O.

The signature is checked over the raw bytes before anything is parsed. The aiohttp
handler only maps the errors below to status codes (see ``ingress.webhooks``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from multidict import CIMultiDict

from streams.jira.signature import HEADER as SIGNATURE_HEADER
from streams.jira.signature import SignatureError, parse_header, verify
from streams.jira.webhooks import WebhookError, parse_webhook
from streams.records import SiteNumber, WebhookEnvelope, content_webhook_id

IDENTIFIER_HEADER = "X-Atlassian-Webhook-Identifier"
RETRY_HEADER = "X-Atlassian-Webhook-Retry"
RETRY_COUNT = re.compile(r"^\s*\d{1,9}\s*$")
MAX_IDENTIFIER = 200


class DeliveryError(Exception):
    """A delivery that can never be accepted; ``reason`` is safe to show the sender."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class BadSignature(DeliveryError):
    """Missing, malformed or wrong ``X-Hub-Signature``."""


class NotJson(DeliveryError):
    """The body is not a JSON document."""


class NotAWebhook(DeliveryError):
    """JSON, but not a JIRA webhook."""


@dataclass(frozen=True)
class Delivery:
    """A verified webhook ready to publish: ``synced`` says which topic it belongs on."""

    envelope: WebhookEnvelope
    synced: bool
    key: bytes
    value: bytes

    @property
    def webhook_id(self) -> str:
        return self.envelope.webhook_id


def receive(
    site: SiteNumber,
    headers: Mapping[str, str],
    body: bytes,
    secret: str | None,
    now: datetime,
) -> Delivery:
    """Verify and read one delivery; ``secret=None`` skips verification (insecure mode)."""
    headers = CIMultiDict(headers)
    if secret is not None:
        check_signature(body, headers.get(SIGNATURE_HEADER), secret)
    document = load_json(body)
    try:
        webhook = parse_webhook(document)
    except WebhookError as error:
        raise NotAWebhook(error.reason) from None
    envelope = WebhookEnvelope(
        site=site,
        webhook_id=webhook_id(site, headers, body),
        retry=retry_count(headers),
        received_at=now,
        event_type=webhook.webhook_event,
        issue_id=webhook.issue_id,
        payload=document,
    )
    envelope, value = _encoded(envelope)
    key = envelope.issue_id or envelope.webhook_id
    return Delivery(envelope, webhook.synced, key.encode(), value)


def check_signature_header(headers: Mapping[str, str], secret: str | None) -> None:
    """Before the body is read: a delivery whose signature header is missing or malformed
    is refused (``BadSignature``) without the ingress taking its body in."""
    if secret is None:
        return
    try:
        parse_header(CIMultiDict(headers).get(SIGNATURE_HEADER))
    except SignatureError as error:
        raise BadSignature(str(error)) from None


def check_signature(body: bytes, header: str | None, secret: str) -> None:
    try:
        verify(body, header, secret)
    except SignatureError as error:
        raise BadSignature(str(error)) from None


def load_json(body: bytes) -> dict[str, object]:
    try:
        document = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise NotJson("body is not JSON: nested too deeply") from None
    except ValueError as error:
        raise NotJson(f"body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise NotAWebhook("a JIRA webhook body is a JSON object")
    return document


def webhook_id(site: SiteNumber, headers: Mapping[str, str], body: bytes) -> str:
    """JIRA's delivery id (the same on every retry), or a content hash when absent."""
    given = headers.get(IDENTIFIER_HEADER, "").strip()
    if given and len(given) <= MAX_IDENTIFIER and given.isascii() and given.isprintable():
        return given
    return content_webhook_id(site, body)


def retry_count(headers: Mapping[str, str]) -> int:
    """``X-Atlassian-Webhook-Retry``; absent (first attempt) or unreadable counts as 0."""
    given = headers.get(RETRY_HEADER, "")
    return int(given) if RETRY_COUNT.match(given) else 0


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def _encoded(envelope: WebhookEnvelope) -> tuple[WebhookEnvelope, bytes]:
    """The record's bytes. JSON escapes of lone surrogates (valid JSON, not valid UTF-8)
    become U+FFFD rather than losing the event."""
    try:
        return envelope, envelope.to_bytes()
    except ValueError:
        pass
    try:
        text = json.dumps(envelope.payload, ensure_ascii=False)
        clean = json.loads(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        envelope = envelope.model_copy(update={"payload": clean})
        return envelope, envelope.to_bytes()
    except (ValueError, RecursionError) as error:
        raise NotAWebhook(f"payload cannot be re-encoded as JSON: {error}") from None
