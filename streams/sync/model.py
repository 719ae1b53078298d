"""The brain: ``decide(change, pair, config, now, counterpart) -> Decision``. Pure, no I/O.

1. A repeated webhook id or an event older than the side's marker is a no-op.
2. No pair yet: create the counterpart (link marker in the create call itself).
3. An event whose values equal the base produces nothing and costs no read: our own
   writes coming back (echoes) die here.
4. Otherwise the event is only a trigger: both sides are read fresh (``Fetch``), because a
   webhook's snapshot may already be superseded, and the fresh values are three-way merged
   against the base: one side changed -> copy; both to the same value -> settled; both
   differently -> conflict under ``manual`` (other policies pick a winner). Merging fresh
   reads, never snapshots, is what makes reordered, duplicated and superseded deliveries
   (including our own older echoes) unable to start a ping-pong.

The decision's ``state`` holds what was observed; the base only moves when the applier
reports a write as done (``streams.sync.outcomes``), so a failed write is retried, never
forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.state import FieldConflict, IssueRef, PairState, PairStatus, SideMarker
from streams.sync.merge import MergeResult, Sides, merge
from streams.sync.messages import (
    Action,
    CreateCounterpart,
    Fetch,
    IssueChanged,
    Observation,
    SyncConfig,
    TransitionTo,
    WriteFields,
    other,
    pair_id_for,
)


@dataclass(frozen=True)
class Decision:
    state: PairState | None
    actions: list[Action] = field(default_factory=list)
    note: str = ""


def decide(
    change: IssueChanged,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None = None,
) -> Decision:
    if pair is None:
        return _first_sight(change, config, now)
    if change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids:
        return Decision(pair, note="duplicate")
    if _stale(change, pair):
        return Decision(pair, note="stale")
    if change.kind == "deleted":
        return Decision(_orphan(pair, now), note="deleted")
    seen = _observe(pair, change, config, now)
    target = seen.side(other(change.site))
    if target is None:
        return Decision(seen, note="awaiting counterpart")
    if _agrees_with_base(change, seen, config):
        return Decision(seen, note=_quiet_note(change, config))
    if observed is None or set(observed) != {1, 2}:
        fetches: list[Action] = [
            Fetch(ref.site, ref.key) for ref in (seen.site1, seen.site2) if ref
        ]
        return Decision(seen, fetches, note="read both sides")
    return _merge(seen, change, observed, config, now)


def _agrees_with_base(change: IssueChanged, pair: PairState, config: SyncConfig) -> bool:
    if pair.conflicts or pair.failure is not None:
        return False
    names = [name for name in config.synced() if name in change.values]
    return all(name in pair.base and change.values[name] == pair.base[name] for name in names)


def _quiet_note(change: IssueChanged, config: SyncConfig) -> str:
    own = change.actor is not None and change.actor == config.integration_accounts.get(change.site)
    return "echo" if own else "in sync"


def _first_sight(change: IssueChanged, config: SyncConfig, now: datetime) -> Decision:
    if change.kind == "deleted":
        return Decision(None, note="deleted before it was synced")
    origin = IssueRef(site=change.site, id=change.issue_id, key=change.issue_key)
    pair_id = pair_id_for(change.site, change.issue_id)
    state = PairState(
        pair_id=pair_id,
        version=1,
        origin=change.site,
        site1=origin if change.site == 1 else None,
        site2=origin if change.site == 2 else None,
        status=PairStatus.PENDING,
        markers={str(change.site): _marker(change.updated)},
        recent_webhook_ids=[change.webhook_id] if change.webhook_id else [],
        updated_at=now,
    )
    target = other(change.site)
    values = {k: v for k, v in change.values.items() if k in config.fields}
    link = {"pair_id": pair_id, "site": change.site, "id": change.issue_id, "key": change.issue_key}
    create = CreateCounterpart(target, config.project_keys[target], values, link, change.issue_key)
    return Decision(state, [create], note="create counterpart")


def _stale(change: IssueChanged, pair: PairState) -> bool:
    marker = pair.markers.get(str(change.site))
    if marker is None or marker.updated is None or change.updated is None:
        return False
    return change.updated < datetime.fromisoformat(marker.updated)


def _observe(pair: PairState, change: IssueChanged, config: SyncConfig, now: datetime) -> PairState:
    recent = [*pair.recent_webhook_ids, *([change.webhook_id] if change.webhook_id else [])]
    markers = {**pair.markers, str(change.site): _newer(pair, change.site, change.updated)}
    ref = IssueRef(site=change.site, id=change.issue_id, key=change.issue_key)
    side = {"site1": ref} if change.site == 1 else {"site2": ref}
    return pair.model_copy(
        update={
            **side,
            "markers": markers,
            "recent_webhook_ids": recent[-config.dedup_window :],
            "version": pair.version + 1,
            "updated_at": now,
        }
    )


def _merge(
    pair: PairState,
    change: IssueChanged,
    observed: dict[int, Observation],
    config: SyncConfig,
    now: datetime,
) -> Decision:
    if not all(observation.exists for observation in observed.values()):
        return Decision(_orphan(pair, now), note="an issue of the pair was deleted")
    values = {site: observation.values for site, observation in observed.items()}
    updated = {site: observation.updated for site, observation in observed.items()}
    sides = Sides(values=values, updated=updated, origin=pair.origin)
    result = merge(config.synced(), pair.base, sides, config.policy)
    markers = {str(site): _newer(pair, site, observed[site].updated) for site in (1, 2)}
    state = _with_merge(pair.model_copy(update={"markers": markers}), result, now)
    actions = writes_for(state, result, config)
    return Decision(state, actions, note=_note(result, actions, change, config))


def _with_merge(pair: PairState, result: MergeResult, now: datetime) -> PairState:
    base = {**pair.base, **result.settled}
    conflicts = {
        name: FieldConflict(field=name, base=b, site1=one, site2=two, detected_at=now)
        for name, (b, one, two) in result.conflicts.items()
    }
    status = PairStatus.CONFLICTED if conflicts else _calm(pair.status)
    return pair.model_copy(update={"base": base, "conflicts": conflicts, "status": status})


def writes_for(pair: PairState, result: MergeResult, config: SyncConfig) -> list[Action]:
    actions: list[Action] = []
    for site in (1, 2):
        ref = pair.site1 if site == 1 else pair.site2
        wanted = dict(result.writes[site])
        if ref is None or not wanted:
            continue
        status = wanted.pop("status", None)
        if wanted:
            actions.append(WriteFields(ref.site, ref.key, wanted))
        if status is not None:
            actions.append(TransitionTo(ref.site, ref.key, status))
    return actions


def _note(
    result: MergeResult, actions: list[Action], change: IssueChanged, config: SyncConfig
) -> str:
    if result.conflicts:
        return "conflict: " + ", ".join(sorted(result.conflicts))
    return "merge" if actions else _quiet_note(change, config)


def _orphan(pair: PairState, now: datetime) -> PairState:
    return pair.model_copy(
        update={"status": PairStatus.ORPHANED, "version": pair.version + 1, "updated_at": now}
    )


def _calm(status: PairStatus) -> PairStatus:
    return PairStatus.PENDING if status is PairStatus.PENDING else PairStatus.SYNCED


def _marker(updated: datetime | None) -> SideMarker:
    return SideMarker(updated=updated.isoformat() if updated else None)


def _newer(pair: PairState, site: int, updated: datetime | None) -> SideMarker:
    current = pair.markers.get(str(site))
    if current is None or current.updated is None:
        return _marker(updated)
    if updated is None or datetime.fromisoformat(current.updated) >= updated:
        return current
    return _marker(updated)
