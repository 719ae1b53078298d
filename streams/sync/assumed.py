"""A side whose status the pair took, not read, to be the agreed one (pure).

A new counterpart starts in its workflow's initial status, which JIRA's create does not
answer; when its kind's learned one (``initial_status``) is the origin's, the create step
takes it to be there and reads nothing (``StatusReached(assumed=True)``; the pair keeps the
side in ``PairState.assumed_status``). An admin's workflow change or an automation rule can
make that wrong, and the first sight of the side's status says so: any webhook of it or
read of it, whichever comes first (its own ``issue_created`` may come after a later one and
be dropped as stale, JIRA does not order webhooks).

Until then the side's status is never taken as a change made there, so nothing is copied
from it to the origin. Seen at the agreed status, the assumption holds (``StatusSeen``).
Seen elsewhere, the merge takes the side to hold the agreed status and resolution (its
other fields merge as they are) and a guarded move follows (``checks``): it reads the status
and its history; nobody else moved it, it is moved there with the agreed resolution;
someone did (their webhook was the first sight), the status is known and both sides are
merged again, so their move syncs as a change made there (``policies.guarded_move``). A
move the merge makes there itself (the origin's status changed too) is guarded the same
way instead. Nothing is added once the pair stopped (gone, orphaned, paused). A write to
the side is never made against its agreed values unread while the status is assumed
(``views``), and the sweep reads a side not seen within the echo window (``retrying``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.state import PairState, PairStatus, SiteNumber
from streams.sync import outcomes
from streams.sync.decision import Decision, after
from streams.sync.events import PairEvent, event, fold, needs_pair
from streams.sync.fields import RESOLUTION, STATUS
from streams.sync.merging import merge_reads
from streams.sync.messages import Action, IssueChanged, Observation, SyncConfig, TransitionTo

STOPPED = frozenset({PairStatus.ORPHANED, PairStatus.SKIPPED, PairStatus.UNREACHABLE})


@event
@dataclass(frozen=True)
class StatusSeen(PairEvent):
    """The status the pair took ``site`` to be in is the one seen there."""

    site: SiteNumber

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.status_assumed(needs_pair(pair, self), self.site, False)


@dataclass(frozen=True)
class Checked:
    """What the first sight of an assumed status comes to: the facts, and the moves to
    add to the step's actions (``moved_unless_moving``)."""

    facts: list[PairEvent] = dataclasses.field(default_factory=list)
    moves: list[TransitionTo] = dataclasses.field(default_factory=list)


def assumed(pair: PairState, site: int) -> bool:
    return str(site) in pair.assumed_status


def checked_change(pair: PairState, change: IssueChanged) -> tuple[IssueChanged, Checked]:
    """``change`` as the merge takes it, and what its sight of the status comes to."""
    values, found = _checked(pair, change.site, change.issue_key, change.values)
    return dataclasses.replace(change, values=values), found


def checked_reads(
    pair: PairState, observed: dict[int, Observation]
) -> tuple[dict[int, Observation], Checked]:
    """The reads as the merge takes them, and what their sight of the status comes to."""
    taken, found = dict(observed), Checked()
    for seen in observed.values():
        if not seen.exists:
            continue
        values, more = _checked(pair, seen.site, seen.issue_key, seen.values)
        taken[seen.site] = dataclasses.replace(seen, values=values)
        found = Checked([*found.facts, *more.facts], [*found.moves, *more.moves])
    return taken, found


def merged(
    pair: PairState, observed: dict[int, Observation], config: SyncConfig, now: datetime, note: str
) -> Decision:
    """Both sides' reads merged, a status taken, not read, checked first."""
    reads, found = checked_reads(pair, observed)
    seen = fold(pair, found.facts, now) or pair
    result = merge_reads(seen, reads, config, now, note)
    actions = moved_unless_moving(result.actions, found, result.state)
    return after(found.facts, dataclasses.replace(result, actions=actions))


def moved_unless_moving(
    actions: list[Action], found: Checked, state: PairState | None
) -> list[Action]:
    """The guarded moves ``found`` asks for; a move the actions make to such a side already
    is guarded instead (someone may have moved it: then merged again, ``policies``). None
    when the pair stopped (gone, orphaned, paused)."""
    if not found.moves or state is None or state.status in STOPPED:
        return actions
    checking = {move.site for move in found.moves}
    moving = {a.site for a in actions if isinstance(a, TransitionTo)}
    guarded = [
        dataclasses.replace(a, guarded=True, start=None, checks=True)
        if isinstance(a, TransitionTo) and a.site in checking
        else a
        for a in actions
    ]
    return [*guarded, *(move for move in found.moves if move.site not in moving)]


def _checked(
    pair: PairState, site: SiteNumber, key: str, values: dict[str, Any]
) -> tuple[dict[str, Any], Checked]:
    agreed = pair.base_of(site)
    if not assumed(pair, site) or STATUS not in values or agreed.get(STATUS) is None:
        return values, Checked()
    if _same(values[STATUS], agreed[STATUS]):
        return values, Checked([StatusSeen(site)])
    taken = {**values, STATUS: agreed[STATUS]}
    if RESOLUTION in values:
        taken[RESOLUTION] = agreed.get(RESOLUTION)
    resolution = pair.base.get(RESOLUTION)
    status = str(pair.base.get(STATUS))
    move = TransitionTo(site, key, status, guarded=True, resolution=resolution, checks=True)
    return taken, Checked(moves=[move])


def _same(status: Any, other: Any) -> bool:
    return str(status).casefold() == str(other).casefold()
