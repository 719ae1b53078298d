"""A journal record always fits in one Kafka message.

Kafka refuses a record over ``message.max.bytes`` (1 MB by default, and aiokafka's
``max_request_size`` is the same 1 MB): https://kafka.apache.org/documentation/#brokerconfigs_message.max.bytes.
A step that read a large issue or a long comment list would otherwise make a journal record
the broker refuses, and the step's state would be lost with it. So an oversized record is
trimmed: the largest bodies of its JIRA exchanges (answers, request bodies) are replaced
by their size and digest, largest first, until it fits; if the input or context alone is
too large, only the record's skeleton is kept. A trimmed record says so (``trimmed``) and
a replay reports its pair as not replayable instead of guessing the missing answers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Under 1 MB with room for the key, the headers and the batch's own overhead.
MAX_RECORD_BYTES = 900_000
BODIES = ("answer", "json", "error")
SKELETON = ("v", "kind", "pair", "site", "issue", "at", "before", "retry_due", "after")


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def fitted(body: dict[str, Any], limit: int = MAX_RECORD_BYTES) -> bytes:
    """``body`` encoded, trimmed as above when it would be over ``limit`` bytes."""
    raw = encode(body)
    if len(raw) <= limit:
        return raw
    exchanges = [dict(entry) for entry in body.get("exchanges") or []]
    trimmed = {**body, "exchanges": exchanges, "trimmed": len(raw)}
    for index in sorted(range(len(exchanges)), key=lambda i: -_size(exchanges[i])):
        exchanges[index] = _without_bodies(exchanges[index])
        raw = encode(trimmed)
        if len(raw) <= limit:
            return raw
    skeleton = {name: body[name] for name in SKELETON if name in body}
    return encode({**skeleton, "trimmed": len(encode(body))})


def _size(entry: dict[str, Any]) -> int:
    return sum(len(encode({"x": entry.get(name)})) for name in BODIES)


def _without_bodies(entry: dict[str, Any]) -> dict[str, Any]:
    kept = dict(entry)
    for name in BODIES:
        if kept.get(name) is not None:
            text = encode({"x": kept[name]})
            digest = hashlib.sha256(text).hexdigest()[:32]
            kept[name] = {"trimmed": len(text), "sha256": digest}
    return kept
