"""The events topics' record format: what JIRA signed, byte for byte, as the record's value,
and what the ingress adds (site, webhook id, retry count, received-at, event type, issue id,
JIRA's signature) in the record's headers. No I/O.

The log is tamper-evident: anyone with a site's webhook secret can check a record's HMAC
from the record alone (``verify_record``; ``jira-sync verify-log``). Records written
before this format (a JSON ``WebhookEnvelope`` as the value, no headers) and the worker's
own snapshots are still read (``decode_event``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from streams.jira.signature import SignatureError, verify
from streams.jira.webhooks import WebhookError, parse_webhook
from streams.records import WebhookEnvelope
from streams.sites import SiteNumber

FORMAT = "jira-sync.format"
RAW = b"raw-1"  # the value is the body as JIRA sent it
SITE = "jira-sync.site"
WEBHOOK_ID = "jira-sync.webhook-id"
RETRY = "jira-sync.retry"
RECEIVED_AT = "jira-sync.received-at"
EVENT_TYPE = "jira-sync.event-type"
ISSUE_ID = "jira-sync.issue-id"
SIGNATURE = "jira-sync.signature"  # X-Hub-Signature as received (absent in insecure mode)
Headers = Mapping[str, bytes] | Iterable[tuple[str, bytes]]


class BadRecord(ValueError):
    """A record the worker cannot take; ``reason`` goes with its dead letter."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NotJsonDocument(ValueError):
    """The bytes are not a JSON document."""


@dataclass(frozen=True)
class Stamp:
    """What the ingress adds to a delivery, carried in the record's headers."""

    site: SiteNumber
    webhook_id: str
    retry: int
    received_at: datetime
    event_type: str
    issue_id: str | None
    signature: str | None

    def headers(self) -> list[tuple[str, bytes]]:
        pairs = [
            (FORMAT, RAW),
            (SITE, b"1" if self.site == 1 else b"2"),
            (WEBHOOK_ID, self.webhook_id.encode()),
            (RETRY, str(self.retry).encode()),
            (RECEIVED_AT, self.received_at.isoformat().encode()),
            (EVENT_TYPE, self.event_type.encode()),
        ]
        if self.issue_id is not None:
            pairs.append((ISSUE_ID, self.issue_id.encode()))
        if self.signature is not None:
            pairs.append((SIGNATURE, self.signature.encode()))
        return pairs


def header_map(headers: Headers | None) -> dict[str, bytes]:
    """Kafka headers (a list of pairs from aiokafka, a dict from faust) as a dict."""
    if headers is None:
        return {}
    return dict(headers.items() if isinstance(headers, Mapping) else headers)


def read_stamp(headers: Headers | None) -> Stamp | None:
    """The stamp of a record in this format; ``None`` for a record without one (an
    envelope); ``BadRecord`` when the headers say this format but are incomplete."""
    found = header_map(headers)
    if found.get(FORMAT) != RAW:
        return None
    try:
        site = int(found[SITE])
        if site not in (1, 2):
            raise ValueError(f"site {site}")
        issue_id, signature = found.get(ISSUE_ID), found.get(SIGNATURE)
        return Stamp(
            site=1 if site == 1 else 2,
            webhook_id=found[WEBHOOK_ID].decode(),
            retry=int(found[RETRY]),
            received_at=datetime.fromisoformat(found[RECEIVED_AT].decode()),
            event_type=found[EVENT_TYPE].decode(),
            issue_id=issue_id.decode() if issue_id is not None else None,
            signature=signature.decode() if signature is not None else None,
        )
    except (KeyError, ValueError) as error:
        raise BadRecord(f"record headers are incomplete: {type(error).__name__}: {error}") from None


def load_document(body: bytes) -> Any:
    """The JSON document of ``body``, exactly (integers of any size): the worker's read.
    Escapes of lone surrogates (valid JSON, not valid UTF-8) become U+FFFD.
    ``NotJsonDocument`` otherwise (NaN and Infinity included)."""
    try:
        document = json.loads(body, parse_constant=_reject_constant)
        try:
            orjson.dumps(document)  # no lone surrogate anywhere, the common case
        except TypeError:
            text = json.dumps(document, ensure_ascii=False)
            return json.loads(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        return document
    except RecursionError:
        raise NotJsonDocument("nested too deeply") from None
    except ValueError as error:
        raise NotJsonDocument(str(error)) from None


def glance(body: bytes) -> Any:
    """The document for a look at a few of its keys, fast (orjson; integers over 64 bits
    come as floats); what orjson refuses but JSON allows is read by ``load_document``."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return load_document(body)


def decode_event(value: bytes, headers: Headers | None) -> WebhookEnvelope:
    """The worker's view of an events record of either format; ``BadRecord`` with the
    reason when it is neither, or its body fails the webhook schema."""
    stamp = read_stamp(headers)
    if stamp is None:
        try:
            return WebhookEnvelope.from_bytes(value)
        except ValueError as error:
            raise BadRecord(f"not an envelope: {error}") from None
    try:
        document = load_document(value)
        if not isinstance(document, dict):
            raise WebhookError("a JIRA webhook body is a JSON object")
        parse_webhook(document)
    except NotJsonDocument as error:
        raise BadRecord(f"webhook {stamp.webhook_id}: body is not JSON: {error}") from None
    except WebhookError as error:
        raise BadRecord(f"webhook {stamp.webhook_id}: {error.reason}") from None
    return WebhookEnvelope(
        site=stamp.site,
        webhook_id=stamp.webhook_id,
        retry=stamp.retry,
        received_at=stamp.received_at,
        event_type=stamp.event_type,
        issue_id=stamp.issue_id,
        payload=document,
    )


@dataclass(frozen=True)
class Verdict:
    """What ``verify_record`` found: ``ok`` and, when not, why."""

    ok: bool
    detail: str
    stamp: Stamp | None


def verify_record(
    value: bytes | None, headers: Headers | None, secret_of: Mapping[int, str | None]
) -> Verdict:
    """Check a record's HMAC from the record alone: its value against the signature JIRA
    sent, under the secret of the site the headers name."""
    try:
        stamp = read_stamp(headers)
    except BadRecord as error:
        return Verdict(False, error.reason, None)
    if stamp is None:
        return Verdict(False, "not a raw webhook record (an envelope): nothing to verify", None)
    if value is None:
        return Verdict(False, "the record has no value", stamp)
    secret = secret_of.get(stamp.site)
    if not secret:
        return Verdict(False, f"no webhook secret for site {stamp.site}", stamp)
    try:
        verify(value, stamp.signature, secret)
    except SignatureError as error:
        return Verdict(False, str(error), stamp)
    return Verdict(True, f"signature matches the {len(value)} bytes of the body", stamp)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")
