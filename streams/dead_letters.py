"""The dead-letter topic's record format: a JSON document with the reason, the agent's
source and a readable rendering of what failed, and (since re-drive) the original record
itself, as it was read: its topic, partition, offset, key, value and headers, so that
``jira-sync dead-letters redrive`` can put it back where it came from. Bytes are kept as
text when they are UTF-8 (a webhook body, a command), else as base64: either way exactly
the bytes read (a raw webhook body still verifies against JIRA's signature). No I/O.

Dead letters written before this format have no ``record``: they are read (listed) all the
same, and cannot be re-driven (``DeadLetter.original`` is None).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.kafka_admin import TopicShape
from streams.settings import Settings
from streams.topics import Topics

Header = tuple[str, bytes]


@dataclass(frozen=True)
class Original:
    """A record as the worker read it from its source topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[Header, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": bytes_to_json(self.key),
            "value": bytes_to_json(self.value),
            "headers": [[name, bytes_to_json(value)] for name, value in self.headers],
        }

    @classmethod
    def from_json(cls, found: Mapping[str, Any]) -> Original:
        """``ValueError`` when ``found`` is not an original record's JSON."""
        try:
            topic, partition, offset = found["topic"], found["partition"], found["offset"]
            if not isinstance(topic, str) or not _whole(partition) or not _whole(offset):
                raise ValueError(f"no topic, partition and offset in {found!r}")
            headers = tuple((str(name), _bytes(value)) for name, value in found["headers"])
            return cls(
                topic,
                partition,
                offset,
                _maybe_bytes(found["key"]),
                _maybe_bytes(found["value"]),
                headers,
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an original record: {error!r}") from None


def bytes_to_json(data: bytes | None) -> dict[str, str] | None:
    """``{"text": ...}`` for UTF-8 bytes, else ``{"base64": ...}``; None stays None."""
    if data is None:
        return None
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _maybe_bytes(found: Any) -> bytes | None:
    return None if found is None else _bytes(found)


def _bytes(found: Any) -> bytes:
    if isinstance(found, Mapping) and isinstance(found.get("text"), str):
        return str(found["text"]).encode("utf-8")
    if isinstance(found, Mapping) and isinstance(found.get("base64"), str):
        try:
            return base64.b64decode(str(found["base64"]), validate=True)
        except binascii.Error as error:
            raise ValueError(f"bad base64: {error}") from None
    raise ValueError(f"not bytes as text or base64: {found!r}")


def _whole(found: Any) -> bool:
    return isinstance(found, int) and not isinstance(found, bool) and found >= 0


def headers_of(
    found: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None,
) -> tuple[Header, ...]:
    """Kafka headers (pairs from aiokafka, a dict from Faust) as pairs, in order."""
    if found is None:
        return ()
    pairs = found.items() if isinstance(found, Mapping) else found
    return tuple((str(name), bytes(value)) for name, value in pairs)


PREVIEW_CHARS = 2_000  # of what failed, when the whole record is kept beside it
MAX_LETTER_BYTES = 900_000  # under the producer's 1 MB request (and the topic's default)


def letter(
    reason: str,
    source: str,
    key: bytes | None,
    shown: object,
    at: datetime,
    original: Original | None,
) -> bytes:
    """A dead letter's value. ``shown``: what failed, readable (as before this format); a
    preview of it when the record itself is kept. A letter that would not fit in one Kafka
    record keeps where its record is instead of the record (``too_large``): a letter that
    cannot be sent is a record lost without a trace."""
    record: dict[str, Any] = {
        "reason": reason,
        "source": source,
        "key": key.decode(errors="replace") if key else None,
        "value": shown if original is None else preview(shown),
        "at": at.isoformat(),
    }
    if original is not None:
        record["record"] = original.to_json()
    raw = json.dumps(record).encode()
    if len(raw) <= MAX_LETTER_BYTES:
        return raw
    record["value"] = preview(shown)
    if original is not None:
        where = {"topic": original.topic, "partition": original.partition}
        record["record"] = where | {"offset": original.offset}
    record["too_large"] = len(raw)
    return json.dumps(record).encode()


def preview(shown: object) -> object:
    text = shown if isinstance(shown, str) else json.dumps(shown, default=str)
    if len(text) <= PREVIEW_CHARS:
        return shown
    return text[:PREVIEW_CHARS] + f"... ({len(text)} characters)"


@dataclass(frozen=True)
class DeadLetter:
    """One record of the dead-letter topic, read back: where it is on that topic, and what
    it says. ``original`` is None for a letter of the older format (or a damaged one), and
    ``why_not`` then says why it cannot be re-driven."""

    partition: int
    offset: int
    reason: str
    source: str
    key: str | None
    shown: object
    at: str | None
    original: Original | None
    why_not: str | None = None

    @property
    def id(self) -> str:
        """The letter's place on the dead-letter topic: ``partition:offset``."""
        return f"{self.partition}:{self.offset}"


OLDER = "written before dead letters kept their record (no original value to re-drive)"


def read_letter(partition: int, offset: int, value: bytes | None) -> DeadLetter:
    """The dead letter at ``partition:offset``, whatever is in it (never raises)."""
    try:
        found = json.loads(value) if value is not None else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        shown = value.decode(errors="replace") if value is not None else None
        return DeadLetter(
            partition,
            offset,
            "unreadable dead letter",
            "?",
            None,
            shown,
            None,
            None,
            "not a JSON object",
        )
    original: Original | None = None
    why_not: str | None = OLDER
    if "too_large" in found:
        where = found.get("record") or {}
        why_not = (
            f"its record was too large to keep ({found['too_large']} bytes); it is at "
            f"{where.get('topic')}:{where.get('partition')}:{where.get('offset')}"
        )
    elif "record" in found:
        try:
            original, why_not = Original.from_json(found["record"]), None
        except ValueError as error:
            why_not = f"its record is damaged: {error}"
    key = found.get("key")
    at = found.get("at")
    return DeadLetter(
        partition,
        offset,
        str(found.get("reason", "?")),
        str(found.get("source", "?")),
        key if isinstance(key, str) else None,
        found.get("value"),
        at if isinstance(at, str) else None,
        original,
        why_not,
    )


def redriven_shape(settings: Settings) -> TopicShape:
    """The re-drive markers: one partition (a few records per re-drive), never deleted
    (a marker must outlive its dead letter). Made by the first redrive, not by the
    worker, which never writes to it (``streams.sync.kafka_io.worker_topics``)."""
    name = Topics(settings.kafka_topic_prefix).dead_letter_redriven
    return TopicShape(name, 1, settings.kafka_replication_factor, {"retention.ms": "-1"})
