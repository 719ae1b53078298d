"""From one HTTP delivery to a record for the log, or a typed error. No I/O.

The signature is checked over the raw bytes before anything is parsed; then one look at
the body (orjson) reads only what routing needs: ``webhookEvent``, ``timestamp``, the
issue id. The record's value is the body as received; what the ingress adds goes in its
headers (``streams.wire``). The full schema is checked by the worker. The aiohttp handler
only maps the errors below to status codes (see ``ingress.webhooks``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from multidict import CIMultiDict, CIMultiDictProxy

from streams.jira.signature import HEADER as SIGNATURE_HEADER
from streams.jira.signature import SignatureError, parse_header, verify
from streams.jira.webhooks import COMMENT_SELF, SYNCED_EVENTS
from streams.records import SiteNumber, content_webhook_id
from streams.wire import NotJsonDocument, Stamp, glance

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
class Look:
    """What routing needs of a body."""

    event_type: str
    issue_id: str | None

    @property
    def synced(self) -> bool:
        return self.event_type in SYNCED_EVENTS


@dataclass(frozen=True)
class Delivery:
    """A verified webhook ready to publish: ``synced`` says which topic it belongs on;
    ``value`` is the body as received, ``headers`` the stamp's record headers."""

    stamp: Stamp
    synced: bool
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def webhook_id(self) -> str:
        return self.stamp.webhook_id


def receive(
    site: SiteNumber,
    headers: Mapping[str, str],
    body: bytes,
    secret: str | None,
    now: datetime,
) -> Delivery:
    """Verify and look at one delivery; ``secret=None`` skips verification (insecure mode)."""
    headers = _case_insensitive(headers)
    signature = headers.get(SIGNATURE_HEADER)
    if secret is not None:
        check_signature(body, signature, secret)
    look = first_look(body)
    stamp = Stamp(
        site=site,
        webhook_id=webhook_id(site, headers, body),
        retry=retry_count(headers),
        received_at=now,
        event_type=look.event_type,
        issue_id=look.issue_id,
        signature=_well_formed(signature),
    )
    key = (look.issue_id or stamp.webhook_id).encode()
    return Delivery(stamp, look.synced, key, body, stamp.headers())


def first_look(body: bytes) -> Look:
    """``NotJson`` / ``NotAWebhook`` with the reason, else the event type and issue id."""
    try:
        document = glance(body)
    except NotJsonDocument as error:
        raise NotJson(f"body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise NotAWebhook("a JIRA webhook body is a JSON object")
    for required in ("webhookEvent", "timestamp"):
        if required not in document:
            raise NotAWebhook(f"not a JIRA webhook: '{required}' is missing")
    event = document["webhookEvent"]
    if not isinstance(event, str) or not event:
        raise NotAWebhook("not a JIRA webhook: webhookEvent must be a non-empty string")
    look = Look(event, issue_id(document))
    if look.synced and look.issue_id is None:
        raise NotAWebhook(f"{event} names no issue (issue.id, comment.self or worklog.issueId)")
    return look


def issue_id(document: dict[str, object]) -> str | None:
    """``issue.id``; comment events of JIRA Server carry it only in ``comment.self``,
    worklog events only in ``worklog.issueId``."""
    issue, comment = document.get("issue"), document.get("comment")
    if isinstance(issue, dict) and isinstance(issue.get("id"), str) and issue["id"]:
        return str(issue["id"])
    if isinstance(comment, dict) and isinstance(comment.get("self"), str):
        match = COMMENT_SELF.search(comment["self"])
        if match:
            return match.group(1)
    worklog = document.get("worklog")
    if isinstance(worklog, dict) and isinstance(worklog.get("issueId"), str):
        return str(worklog["issueId"]) or None
    return None


def check_signature_header(headers: Mapping[str, str], secret: str | None) -> None:
    """Before the body is read: a delivery whose signature header is missing or malformed
    is refused (``BadSignature``) without the ingress taking its body in."""
    if secret is None:
        return
    try:
        parse_header(_case_insensitive(headers).get(SIGNATURE_HEADER))
    except SignatureError as error:
        raise BadSignature(str(error)) from None


def check_signature(body: bytes, header: str | None, secret: str) -> None:
    try:
        verify(body, header, secret)
    except SignatureError as error:
        raise BadSignature(str(error)) from None


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


def _case_insensitive(headers: Mapping[str, str]) -> Mapping[str, str]:
    """aiohttp's headers as they are; a plain mapping (tests) copied once."""
    if isinstance(headers, CIMultiDict | CIMultiDictProxy):
        return headers
    return CIMultiDict(headers)


def _well_formed(signature: str | None) -> str | None:
    """The signature header kept on the record: only a well-formed one (in insecure mode
    the header is not checked and may hold anything)."""
    try:
        method, digest = parse_header(signature)
    except SignatureError:
        return None
    return f"{method}={digest}"
