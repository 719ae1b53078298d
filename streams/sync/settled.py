"""The facts ``decide`` settles (``streams.sync.events``): a pair started, an issue change
seen, a lost create adopted, the pair skipped, unreachable, resumed, merged, resolved,
orphaned or moved away. JIRA's answers to the actions are ``streams.sync.facts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.state import FieldConflict, IssueRef, PairState, PairStatus, SideMarker, SiteNumber
from streams.sync import moves, visibility
from streams.sync.events import PairEvent, event, needs_pair


def _bump(pair: PairState, at: datetime, **update: Any) -> PairState:
    return pair.model_copy(update={**update, "version": pair.version + 1, "updated_at": at})


def _side(site: int, ref: IssueRef) -> dict[str, IssueRef]:
    return {"site1": ref} if site == 1 else {"site2": ref}


def side_marker(updated: datetime | None) -> SideMarker:
    return SideMarker(updated=updated.isoformat() if updated else None)


def newer(pair: PairState, site: int, updated: datetime | None) -> SideMarker:
    """The side's marker moved to ``updated`` when that is later than the one it holds."""
    current = pair.markers.get(str(site))
    if current is None or current.updated is None:
        return side_marker(updated)
    if updated is None or datetime.fromisoformat(current.updated) >= updated:
        return current
    return side_marker(updated)


def without(held: dict[str, dict[str, Any]], names: set[str]) -> dict[str, dict[str, Any]]:
    """``held`` (``PairState.held``) with ``names`` forgotten on both sides."""
    kept = {
        side: {k: v for k, v in values.items() if k not in names} for side, values in held.items()
    }
    return {side: values for side, values in kept.items() if values}


def _recent(pair: PairState, webhook_id: str | None, window: int) -> list[str]:
    recent = [*pair.recent_webhook_ids, *([webhook_id] if webhook_id else [])]
    return recent[-window:]


@event
@dataclass(frozen=True)
class PairStarted(PairEvent):
    """An issue seen for the first time starts its pair (``pair``: as it starts)."""

    pair: PairState

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return self.pair


@event
@dataclass(frozen=True)
class ChangeSeen(PairEvent):
    """A change of one of the pair's issues was taken in: its ref, marker and delivery id."""

    site: SiteNumber
    issue_id: str
    issue_key: str
    updated: datetime | None
    webhook_id: str | None
    window: int  # how many delivery ids the pair keeps (``SyncConfig.dedup_window``)

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        markers = {**pair.markers, str(self.site): newer(pair, self.site, self.updated)}
        ref = IssueRef(site=self.site, id=self.issue_id, key=self.issue_key)
        recent = _recent(pair, self.webhook_id, self.window)
        return _bump(pair, at, **_side(self.site, ref), markers=markers, recent_webhook_ids=recent)


@dataclass(frozen=True)
class DeliverySeen(PairEvent):
    """A webhook delivery of the pair was taken in: its id kept for dedup (``window``)."""

    webhook_id: str | None
    window: int

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        return _bump(pair, at, recent_webhook_ids=_recent(pair, self.webhook_id, self.window))


@event
@dataclass(frozen=True)
class CommentSeen(DeliverySeen):
    """A comment change of the pair was taken in (its delivery id kept for dedup)."""


@event
@dataclass(frozen=True)
class CreateAdopted(PairEvent):
    """The counterpart whose create was never confirmed announced itself (its webhook,
    routed by its marker): it is ours, created with the pending values."""

    site: SiteNumber
    issue_id: str
    issue_key: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        pending = pair.pending_create
        values = pending.values if pending is not None else {}
        ref = IssueRef(site=self.site, id=self.issue_id, key=self.issue_key)
        return _bump(
            pair,
            at,
            **_side(self.site, ref),
            base={**pair.base, **values},
            pending_create=None,
            failure=None,
            status=PairStatus.SYNCED,
        )


@event
@dataclass(frozen=True)
class Skipped(PairEvent):
    """An issue of the pair has a security level the mapping does not carry."""

    site: SiteNumber
    issue_key: str
    level: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return visibility.skipped(needs_pair(pair, self), self.site, self.issue_key, self.level, at)


@event
@dataclass(frozen=True)
class Unreachable(PairEvent):
    """An issue of the pair answers 404 (deleted or not visible)."""

    site: int

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return visibility.unreachable(needs_pair(pair, self), self.site, at)


@event
@dataclass(frozen=True)
class Reachable(PairEvent):
    """Both issues read again: the pause's warnings are over."""

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return visibility.reachable(needs_pair(pair, self), at)


@event
@dataclass(frozen=True)
class Resumed(PairEvent):
    """A paused pair whose origin can be copied again: pending its counterpart."""

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return visibility.resumed(needs_pair(pair, self), at)


@event
@dataclass(frozen=True)
class WritesConfirmed(PairEvent):
    """Writes a dead step never recorded, checked against fresh reads: those the side
    holds (``done``) were made (the base moves); the others not. None is pending now."""

    done: dict[str, Any]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        update = {
            "base": {**pair.base, **self.done},
            "held": without(pair.held, set(self.done)),
            "pending_writes": {},
        }
        return pair.model_copy(update=update)


@event
@dataclass(frozen=True)
class Merged(PairEvent):
    """Fresh reads of both sides merged: ``settled`` values are agreed, ``conflicts`` are
    (base, site 1, site 2) per field; ``updated``: each side's last change."""

    updated: dict[int, datetime | None]
    settled: dict[str, Any]
    conflicts: dict[str, tuple[Any, Any, Any]]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        markers = {str(site): newer(pair, site, self.updated.get(site)) for site in (1, 2)}
        conflicts = {
            name: FieldConflict(field=name, base=b, site1=one, site2=two, detected_at=at)
            for name, (b, one, two) in self.conflicts.items()
        }
        update = {
            "markers": markers,
            "base": {**pair.base, **self.settled},
            "held": without(pair.held, set(self.settled)),
            "conflicts": conflicts,
            "status": PairStatus.CONFLICTED if conflicts else PairStatus.SYNCED,
            "unseen_writes": {},  # both sides' views merged: every write of ours is seen
        }
        return pair.model_copy(update=update)


@event
@dataclass(frozen=True)
class FailureOver(PairEvent):
    """Nothing the failed step asked is left to write: the failure is over."""

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return needs_pair(pair, self).model_copy(update={"failure": None})


@event
@dataclass(frozen=True)
class ConflictsResolved(PairEvent):
    """The operator chose a side: its values go to the other, the conflicts clear."""

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return _bump(needs_pair(pair, self), at, conflicts={}, status=PairStatus.SYNCED)


@event
@dataclass(frozen=True)
class Orphaned(PairEvent):
    """One issue of the pair is gone: the pair stops syncing."""

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return _bump(needs_pair(pair, self), at, status=PairStatus.ORPHANED)


@event
@dataclass(frozen=True)
class MovedAway(PairEvent):
    """The pair's issue on ``site`` moved out of the synced project (now ``issue_key``)."""

    site: SiteNumber
    issue_key: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return moves.orphaned_by_move(needs_pair(pair, self), self.site, self.issue_key, at)
