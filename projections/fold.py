"""The projection as a fold, with no I/O: ``evolve(item | None, state) -> item``.

``project`` turns a ``PairState`` into its ``PairItem``; ``plan`` folds a batch of items
into the writes a store must make (each conditional on the item it replaces) and the new
``Totals``. Stores only persist a plan; they decide nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import JsonValue

from projections.model import (
    DEFAULT_CONNECTION,
    ConflictView,
    ErrorView,
    Head,
    IssueView,
    PairItem,
    Totals,
    WarningView,
    to_utc,
)
from streams.state import FieldConflict, IssueRef, PairFailure, PairState, PairStatus, PairWarning

MAX_VALUE_CHARS = 4000  # a conflicted value larger than this is kept as a preview
PREVIEW_CHARS = 1000
MAX_WARNINGS = 20  # the newest ones; ``warnings_total`` says how many there are
MAX_REASON_CHARS = 2000
SIDES = {"1": "site1", "2": "site2"}


def project(state: PairState) -> PairItem:
    """The item of a pair: everything the status endpoint shows, bounded in size."""
    return PairItem(
        pair_id=state.pair_id,
        sync_id=state.sync_id,
        version=state.version,
        state=state.status,
        origin=state.origin,
        connection=state.connection or DEFAULT_CONNECTION,
        site1=_issue(state.site1),
        site2=_issue(state.site2),
        conflicts=tuple(_conflict(state.conflicts[name]) for name in sorted(state.conflicts)),
        last_synced_at={SIDES[s]: t for s, t in state.last_synced_at.items() if s in SIDES},
        last_error=_error(state.failure),
        warnings=tuple(_warning(warning) for warning in state.warnings[-MAX_WARNINGS:]),
        warnings_total=len(state.warnings),
        counters=dict(state.counters),
        updated_at=state.updated_at,
    )


def evolve(item: PairItem | None, state: PairState) -> PairItem:
    """The stored item after ``state``: never older than what is stored."""
    if item is not None and item.version >= state.version:
        return item
    return project(state)


def _issue(ref: IssueRef | None) -> IssueView | None:
    return IssueView(id=ref.id, key=ref.key) if ref is not None else None


def _conflict(conflict: FieldConflict) -> ConflictView:
    return ConflictView(
        field=conflict.field,
        base=bounded(conflict.base),
        site1=bounded(conflict.site1),
        site2=bounded(conflict.site2),
        detected_at=conflict.detected_at,
    )


def _error(failure: PairFailure | None) -> ErrorView | None:
    if failure is None:
        return None
    return ErrorView(
        reason=failure.reason[:MAX_REASON_CHARS],
        retryable=failure.retryable,
        attempts=failure.attempts,
        at=failure.at,
        next_retry_at=failure.next_retry_at,
    )


def _warning(warning: PairWarning) -> WarningView:
    return WarningView(
        code=warning.code,
        message=warning.message[:MAX_REASON_CHARS],
        field=warning.field,
        at=warning.at,
    )


def bounded(value: Any) -> JsonValue:
    """``value`` as plain JSON; too large (a long description) becomes a preview."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        result: JsonValue = json.loads(text)
        return result
    return {"truncated": True, "chars": len(text), "preview": text[:PREVIEW_CHARS]}


@dataclass(frozen=True)
class Write:
    """Store ``item`` if the stored item still has the head ``expected`` (None: absent)."""

    item: PairItem
    expected: Head | None


@dataclass(frozen=True)
class Plan:
    writes: tuple[Write, ...]
    totals: Totals
    stale: int  # items of the batch that were not newer than the stored ones


def newest(items: Iterable[PairItem]) -> list[PairItem]:
    """One item per pair, the highest version, in the order pairs first appear."""
    chosen: dict[str, PairItem] = {}
    for item in items:
        current = chosen.get(item.pair_id)
        if current is None or current.version < item.version:
            chosen[item.pair_id] = item
    return list(chosen.values())


def plan(heads: Mapping[str, Head], totals: Totals, items: Sequence[PairItem]) -> Plan:
    """The writes that move the table forward; older or equal versions are dropped."""
    writes: list[Write] = []
    for item in newest(items):
        head = heads.get(item.pair_id)
        if head is None or head.version < item.version:
            writes.append(Write(item, head))
            totals = advance(totals, head, item)
    return Plan(tuple(writes), totals, len(items) - len(writes))


def advance(totals: Totals, head: Head | None, item: PairItem) -> Totals:
    """The totals once ``item`` replaces the item whose head is ``head``."""
    counts = dict(totals.counts)
    by_connection = {name: dict(tally) for name, tally in totals.by_connection.items()}
    if head is not None:
        counts[head.state] -= 1
        _count(by_connection, head.connection, head.state, -1)
    counts[item.state] += 1
    _count(by_connection, item.connection, item.state, 1)
    last_synced = dict(totals.last_synced_at)
    for side, moment in item.last_synced_at.items():
        last_synced[side] = _later(last_synced.get(side), moment)
    return Totals(
        counts=counts,
        by_connection=by_connection,
        last_synced_at=last_synced,
        last_updated_at=_later(totals.last_updated_at, item.updated_at),
        version_sum=totals.version_sum + item.version - (head.version if head else 0),
    )


def _count(
    by_connection: dict[str, dict[PairStatus, int]], name: str, state: PairStatus, step: int
) -> None:
    tally = by_connection.setdefault(name, {})
    tally[state] = tally.get(state, 0) + step
    if tally[state] == 0:
        del tally[state]
    if not tally:
        del by_connection[name]


def _later(known: datetime | None, moment: datetime) -> datetime:
    moment = to_utc(moment)
    return moment if known is None or to_utc(known) < moment else known
