"""The journal: each pair step's input and the domain events it produced, so the log is whole.

The events topics alone do not determine the pair states: a step reads both issues fresh
from JIRA and folds JIRA's answers into the pair. Those answers are facts of the step
(``streams.sync.events``: an issue observed, a counterpart created, a write failed, ...),
so every step appends one record (``step_record``): its pair, clock and input message,
its events in order, the fingerprints (``digest``) of the pair before and after, and when
its retry is due. Two more kinds keep what the worker's tables hold between steps:

- ``intent``: the pair's state made durable before a step writes to JIRA (a create's
  pending state, writes marked pending). It stays a snapshot, not events: it is exactly
  what the pair table holds if the worker dies right after it, and a redelivered step
  starts from it, whatever events came before it in the step.
- ``route``: an issue's pair, decided once (by its link marker), as the link table keeps it.

``jira-sync replay --events`` (``streams.sync.replay``) folds these records back into the
pair and link tables; ``--what-if`` (``streams.sync.whatif``) re-decides the recorded
steps with another mapping. Records are JSON, version ``VERSION``; a record written by an
older version (an HTTP transcript, ``"v": 1``) is read as ``Old``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.state import PairState
from streams.sync import events
from streams.sync.journal_size import fitted
from streams.sync.messages import PairMessage
from streams.sync.normalize import message_to_json

VERSION = 2


def digest(state: PairState | None, encoded: bytes | None = None) -> str | None:
    """A short fingerprint of a pair state: how a replay checks it is where the worker was.
    ``encoded``: the state's ``to_bytes()`` when the caller has it already (a step encodes
    its state once for the table, sync-state and this)."""
    if state is None:
        return None
    return hashlib.sha256(encoded if encoded is not None else state.to_bytes()).hexdigest()[:32]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- writing ------------------------------------------------------------------------------


def step_record(
    pair: str,
    at: datetime,
    message: PairMessage,
    before: PairState | None,
    facts: Sequence[events.PairEvent],
    after: PairState | None,
    retry_due: datetime | None,
    encoded_after: bytes | None = None,
) -> bytes:
    """One pair step as the journal keeps it: ``after`` is the pair as the worker keeps it
    (dead-letter mark and retry due time included), ``facts`` the step's events in order;
    ``encoded_after``: ``after.to_bytes()`` when the caller has it."""
    body = {
        "v": VERSION,
        "kind": "step",
        "pair": pair,
        "at": at.isoformat(),
        "input": message_to_json(message),
        "events": [events.encode(fact) for fact in facts],
        "before": digest(before),
        "after": digest(after, encoded_after),
        "retry_due": _time(retry_due),
    }
    return fitted(body)  # one Kafka message, whatever JIRA answered


def intent_record(pair: str, state: PairState, encoded: bytes | None = None) -> bytes:
    """The pair's state made durable before a step writes to JIRA (a crash may follow it);
    ``encoded``: ``state.to_bytes()`` when the caller has it."""
    body = {
        "v": VERSION,
        "kind": "intent",
        "pair": pair,
        "state": state.model_dump(mode="json"),
        "digest": digest(state, encoded),
    }
    return fitted(body)


def route_record(site: int, issue: str, pair: str) -> bytes:
    """An issue's pair, decided once (by its link marker) and then kept in the link table."""
    body = {"v": VERSION, "kind": "route", "site": site, "issue": issue, "pair": pair}
    return json.dumps(body, separators=(",", ":")).encode()


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    pair: str
    at: datetime
    input: dict[str, Any]
    events: list[dict[str, Any]]  # encoded (``events.decode`` each)
    before: str | None
    after: str | None
    retry_due: datetime | None
    dropped: str | None = None  # what was left out to fit one Kafka message (journal_size)


@dataclass(frozen=True)
class Intent:
    pair: str
    state: PairState | None  # None: too large for one Kafka message, left out


@dataclass(frozen=True)
class Route:
    site: int
    issue: str
    pair: str


@dataclass(frozen=True)
class Old:
    """A step recorded by an older version (an HTTP transcript): it cannot be folded."""

    pair: str
    version: int


Record = Step | Intent | Route | Old


def read(raw: Mapping[str, Any]) -> Record:
    """A journal record as written above; ``ValueError`` when it is none of them."""
    try:
        return _read(raw)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a journal record: {error!r}") from error


def _read(raw: Mapping[str, Any]) -> Record:
    kind, version = raw.get("kind"), raw.get("v")
    if kind == "route":
        return Route(int(raw["site"]), str(raw["issue"]), str(raw["pair"]))
    if kind == "intent":  # the same snapshot in every version
        state = raw.get("state")
        return Intent(str(raw["pair"]), PairState.model_validate(state) if state else None)
    if kind != "step":
        raise ValueError(f"not a journal record kind: {kind!r}")
    if version != VERSION:
        return Old(str(raw["pair"]), int(version) if isinstance(version, int) else 0)
    due = raw.get("retry_due")
    trimmed = raw.get("trimmed")
    return Step(
        pair=str(raw["pair"]),
        at=datetime.fromisoformat(str(raw["at"])),
        input=dict(raw["input"]),
        events=[dict(fact) for fact in raw.get("events") or []],
        before=raw.get("before"),
        after=raw.get("after"),
        retry_due=datetime.fromisoformat(str(due)) if due else None,
        dropped=str(trimmed["dropped"]) if isinstance(trimmed, dict) else None,
    )
