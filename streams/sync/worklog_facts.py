"""The pair's worklog facts (``streams.sync.events``): a worklog change taken in (its
delivery id kept for dedup), an original (``"1:10001"``: the side that logged it, its id
there) and its copy mapped, and both forgotten. The pair's ``worklog_map`` reads
original -> copy, like its attachment map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from streams.state import PairState
from streams.sync.events import PairEvent, event, needs_pair
from streams.sync.settled import DeliverySeen, _bump


def _mapped(pair: PairState, at: datetime, mapping: dict[str, str], counted: str) -> PairState:
    counters = dict(pair.counters)
    if counted:
        counters[counted] = counters.get(counted, 0) + 1
    return _bump(pair, at, worklog_map=mapping, counters=counters)


@event
@dataclass(frozen=True)
class WorklogSeen(DeliverySeen):
    """A worklog change of the pair was taken in (its delivery id kept for dedup)."""


@event
@dataclass(frozen=True)
class WorklogCopied(PairEvent):
    """``copy`` (``"2:10007"``) is the copy of ``source``: ``made`` now, ``edited`` to
    follow the original, or ``found`` by its marker (the copy of a step that died before
    recording it)."""

    source: str
    copy: str
    how: Literal["made", "edited", "found"] = "made"

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        counted = {"made": "worklogs", "edited": "worklog_edits"}.get(self.how, "")
        return _mapped(state, at, {**state.worklog_map, self.source: self.copy}, counted)


@event
@dataclass(frozen=True)
class WorklogUnmapped(PairEvent):
    """The original ``source`` is gone, and its copy with it."""

    source: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        kept = {k: v for k, v in state.worklog_map.items() if k != self.source}
        return _mapped(state, at, kept, "")
