"""A journal record always fits in one Kafka message.

Kafka refuses a record over ``message.max.bytes`` (1 MB by default, and aiokafka's
``max_request_size`` is the same 1 MB): https://kafka.apache.org/documentation/#brokerconfigs_message.max.bytes.
A step that read a large issue would otherwise make a journal record the broker refuses,
and the step's state would be lost with it. So an oversized record is trimmed, in this
order, until it fits:

1. the raw REST ``fields`` of its ``IssueObserved`` events, largest first, each replaced
   by its size and digest: the fold does not need them (the canonical ``values`` stay),
   only a what-if replay does, and it reports those steps as incomplete;
2. its events (an intent: its state): the fold cannot go past this record and reports
   the pair as incomplete;
3. its input message, but for its ``type``.

What was left out is named in ``trimmed.dropped`` (``fields``, ``events``, ``state``,
``input``), with the record's full size in ``trimmed.bytes``: a replay never guesses.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Under 1 MB with room for the key, the headers and the batch's own overhead.
MAX_RECORD_BYTES = 900_000
OBSERVED = "IssueObserved"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def fitted(body: dict[str, Any], limit: int = MAX_RECORD_BYTES) -> bytes:
    """``body`` encoded, trimmed as above when it would be over ``limit`` bytes."""
    raw = encode(body)
    if len(raw) <= limit:
        return raw
    size = len(raw)
    facts = [dict(fact) for fact in body.get("events") or []]
    trimmed = {**body, "events": facts, "trimmed": {"bytes": size, "dropped": "fields"}}
    observed = [i for i, fact in enumerate(facts) if fact.get("type") == OBSERVED]
    for index in sorted(observed, key=lambda i: -len(encode({"x": facts[i].get("fields")}))):
        facts[index]["fields"] = summary_of(facts[index].get("fields"))
        raw = encode(trimmed)
        if len(raw) <= limit:
            return raw
    bulk = "state" if "state" in body else "events"
    lean = {k: v for k, v in body.items() if k != bulk}
    raw = encode({**lean, "trimmed": {"bytes": size, "dropped": bulk}})
    if len(raw) <= limit:
        return raw
    kind = (body.get("input") or {}).get("type")
    lean["input"] = {"type": kind, "trimmed": summary_of(body.get("input"))}
    return encode({**lean, "trimmed": {"bytes": size, "dropped": f"{bulk},input"}})


def summary_of(value: Any) -> dict[str, Any]:
    """What stands for a value left out: its size and digest."""
    text = encode({"x": value})
    return {"trimmed": len(text), "sha256": hashlib.sha256(text).hexdigest()[:32]}
