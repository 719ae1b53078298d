"""The brain: ``decide(message, pair, config, now, observed) -> Decision``. Pure, no I/O.

Messages of a pair are issue changes (webhooks, manual or full-sync snapshots), retries
(``Reexamine``) and the operator's conflict answers (``Resolve``).

1. A repeated webhook id or an event older than the side's marker is a no-op.
2. No pair yet: create the counterpart (link marker in the create call itself).
3. A create that was asked of JIRA but never confirmed (``pending_create``: the worker may
   have died between JIRA's answer and recording it) is recovered before anything else:
   the counterpart's own webhook (routed here by its link marker) adopts it, otherwise
   ``RecoverCreate`` finds it by its marker or makes it again after a grace period.
4. An event whose values equal the base produces nothing and costs no read: our own
   writes coming back (echoes) die here.
5. Otherwise the event is only a trigger: both sides are read fresh (``Fetch``), because a
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

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.settings import DeletionPolicy
from streams.state import (
    FieldConflict,
    IssueRef,
    PairState,
    PairStatus,
    PairWarning,
    PendingCreate,
    SideMarker,
)
from streams.sync import moves, visibility
from streams.sync.merge import MergeResult, Sides, merge
from streams.sync.messages import (
    Action,
    CommentChanged,
    CopyComment,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    DeleteComment,
    DeleteIssue,
    Fetch,
    IssueChanged,
    Observation,
    PairMessage,
    RecoverCreate,
    Reexamine,
    Resolve,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
    other,
    pair_id_for,
    resync_run,
)
from streams.sync.rich_text import carries_webhook_text


@dataclass(frozen=True)
class Done:
    """The message was handled (``note`` says how)."""


@dataclass(frozen=True)
class Rejected:
    """An operator's command that names no synced pair: answered on the commands topic."""

    reason: str


@dataclass(frozen=True)
class RecoveringCreate:
    """A create never confirmed is recovered first; the message itself waits for it."""


Outcome = Done | Rejected | RecoveringCreate
DONE = Done()


@dataclass(frozen=True)
class Decision:
    state: PairState | None
    actions: list[Action] = field(default_factory=list)
    note: str = ""  # the human log text
    outcome: Outcome = DONE


def decide(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None = None,
) -> Decision:
    """What to do about one message of a pair. Called again with ``observed`` filled in
    when the first answer asked for fresh reads (``Fetch``)."""
    if isinstance(message, Resolve):
        return _resolve(message, pair, config, now, observed)
    if isinstance(message, Reexamine):
        return _reexamine(message, pair, config, now, observed)
    if isinstance(message, CommentChanged):
        return _comment(message, pair, config, now)
    return _changed(message, pair, config, now, observed)


def _comment(
    change: CommentChanged, pair: PairState | None, config: SyncConfig, now: datetime
) -> Decision:
    """Comments are copied one way each: an original goes to the other side with an
    attribution header; copies (ours) never come back; internal comments never leave."""
    if not config.sync_comments:
        return Decision(pair, note="comments are not synced")
    if pair is None or pair.site1 is None or pair.site2 is None:
        return Decision(pair, note="comment on an issue that is not synced (yet)")
    if change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids:
        return Decision(pair, note="duplicate")
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    if moves.moved_out(change.site, change.issue_key, config):  # before its move's webhook
        return _moved(pair, change.site, change.issue_key, now)
    if pair.status in visibility.PAUSED:  # copied when the pair resumes (_merge)
        return Decision(pair, note=f"{pair.status.value}: comment not copied now")
    recent = [*pair.recent_webhook_ids, *([change.webhook_id] if change.webhook_id else [])]
    seen = pair.model_copy(
        update={
            "recent_webhook_ids": recent[-config.dedup_window :],
            "version": pair.version + 1,
            "updated_at": now,
        }
    )
    ours = config.integration_accounts.get(change.site)
    if change.ref in pair.comment_map.values() or (ours and ours in (change.author, change.actor)):
        return Decision(seen, note="echo")
    target = pair.site2 if change.site == 1 else pair.site1
    copy = pair.comment_map.get(change.ref)
    if change.kind == "deleted":
        if copy is None:
            return Decision(seen, note="comment never copied")
        copy_id = copy.partition(":")[2]
        return Decision(
            seen, [DeleteComment(target.site, target.key, copy_id, change.ref)], note="comment"
        )
    if change.kind == "created" and copy is not None:
        return Decision(seen, note="copied already (with the comments before the pair)")
    if change.restricted and copy is None:
        return Decision(seen, note="internal comment stays on its site")
    action = CopyComment(change.site, change.issue_key, change.comment_id, target.site, target.key)
    return Decision(seen, [action], note="comment")


def _changed(
    change: IssueChanged,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    if pair is None:
        return _first_sight(change, config, now)
    adopted: list[Action] = []
    pending = pair.pending_create
    if pending is not None:
        if change.site != pending.site or pair.side(change.site) is not None:
            actions = [_recover(pending), *_earlier_comments(pair, config)]
            return Decision(pair, actions, "unconfirmed create", RecoveringCreate())
        pair = _adopt(pair, pending, change, now)
        adopted = [CrossLink(change.site)]
        if pending.status is not None:  # the create's status may never have been applied
            adopted.append(TransitionTo(change.site, change.issue_key, pending.status, True))
        adopted.extend(_earlier_comments(pair, config))
    # Writes asked but never recorded as done (a step died): whatever this message is,
    # both sides are read again, so the merge can tell our own writes from changes.
    unsure = bool(pair.pending_writes)
    duplicate = change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids
    if duplicate and not unsure:
        return Decision(pair, note="duplicate")
    if change.kind == "snapshot" and not unsure and _merged_in_run(pair, change.webhook_id):
        return Decision(pair, note="merged already in this resync")
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    paused = pair.status in visibility.PAUSED  # a fresh read of both sides may resume it
    snapshot = change.kind == "snapshot" or unsure or paused  # no shortcut: read both sides
    if not snapshot and _stale(change, pair):
        return Decision(pair, note="stale")
    if moves.moved_out(change.site, change.issue_key, config):
        return _moved(pair, change.site, change.issue_key, now)
    if change.kind == "deleted":
        return _deletion_event(pair, change, config, now, observed)
    seen = _observe(pair, change, config, now)
    level = visibility.unmapped_level(change.values, config)
    if level is not None:
        state = visibility.skipped(seen, change.site, change.issue_key, level, now)
        return Decision(state, adopted, note=f"skipped: security level {level}")
    if seen.side(other(change.site)) is None:  # only the origin can be alone
        seen = visibility.resumed(seen, now) if paused else seen
        creating = _creating(seen, change.values, config, _webhook_text(change, config))
        return Decision(seen, creating, note="create counterpart")
    if not snapshot and _agrees_with_base(change, seen, config):
        return Decision(seen, adopted, note=_quiet_note(change, config))
    if observed is None or set(observed) != {1, 2}:
        return Decision(seen, [*adopted, *_fetch_both(seen)], note="read both sides")
    merged = _merge(seen, observed, config, now, _quiet_note(change, config))
    return Decision(merged.state, [*adopted, *merged.actions], note=merged.note)


def _reexamine(
    message: Reexamine,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    """A retry: no new event, so everything comes from fresh reads (and the merge does the
    comment copies that failed again)."""
    if pair is None:
        return Decision(None, note="no such pair")
    if pair.pending_create is not None:
        actions = [_recover(pair.pending_create), *_earlier_comments(pair, config)]
        return Decision(pair, actions, "unconfirmed create", RecoveringCreate())
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    if observed is None:
        return Decision(pair, _fetch_both(pair), note=f"read both sides ({message.reason})")
    target, moved = other(pair.origin), moves.moved_side(observed, config)
    if moved is not None:
        return _moved(pair, *moved, now)
    if pair.side(target) is None:
        origin = observed.get(pair.origin)
        if origin is None or not origin.exists:
            state = visibility.unreachable(pair, pair.origin, now)
            return Decision(state, note="unreachable: the origin issue answers 404")
        level = visibility.unmapped_level(origin.values, config)
        if level is not None:
            state = visibility.skipped(pair, pair.origin, origin.issue_key, level, now)
            return Decision(state, note=f"skipped: security level {level}")
        if pair.status in visibility.PAUSED:
            pair = visibility.resumed(pair, now)
        return Decision(pair, _creating(pair, origin.values, config), note="create counterpart")
    return _merge(pair, observed, config, now, "in sync")


def _resolve(
    message: Resolve,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    """Operator's choice: the winner's current values go to the other side, conflicts clear."""
    if pair is None or pair.sync_id != message.sync_id:
        reason = f"{message.sync_id} is not a synced pair"
        return Decision(pair, note=f"rejected: {reason}", outcome=Rejected(reason))
    if not pair.conflicts:
        return Decision(pair, note="no conflict to resolve")
    if observed is None:
        return Decision(pair, _fetch_both(pair), note="read both sides")
    moved = moves.moved_side(observed, config)
    if moved is not None:
        return _moved(pair, *moved, now)
    gone = [site for site, observation in observed.items() if not observation.exists]
    if gone:
        state = visibility.unreachable(pair, gone[0], now)
        return Decision(state, note=f"unreachable: site {gone[0]} answers 404")
    blocked = visibility.blocked_side(pair, {s: o.values for s, o in observed.items()}, config)
    if blocked is not None:  # the winner's values may not leave its site either
        return Decision(visibility.skipped(pair, *blocked, now), note="skipped: security level")
    result = MergeResult()
    loser = other(message.winner)
    for name in pair.conflicts:
        if name in observed[message.winner].values:
            result.writes[loser][name] = observed[message.winner].values[name]
    state = pair.model_copy(
        update={
            "conflicts": {},
            "status": PairStatus.SYNCED,
            "version": pair.version + 1,
            "updated_at": now,
        }
    )
    return Decision(
        state, writes_for(state, result, config), note=f"resolved towards site {message.winner}"
    )


def _merged_in_run(pair: PairState, event_id: str | None) -> bool:
    """A full resync feeds both issues of a pair; the first one's step read both sides
    fresh and merged them, so the second has nothing to add."""
    run = resync_run(event_id)
    return run is not None and any(resync_run(seen) == run for seen in pair.recent_webhook_ids)


def _fetch_both(pair: PairState) -> list[Action]:
    return [Fetch(ref.site, ref.key) for ref in (pair.site1, pair.site2) if ref]


def _creating(
    pair: PairState, values: dict[str, Any], config: SyncConfig, webhook_text: bool = False
) -> list[Action]:
    """The create, then the origin's status (a create cannot carry one): done in the same
    step, so the pair agrees on the status before anyone can change the new issue's.
    ``webhook_text``: ``values`` hold rich text as a webhook rendered it (wiki markup)."""
    status = values.get("status") if config.sync_status else None
    create = _create(pair, values, config, status)
    if webhook_text:
        create = dataclasses.replace(create, webhook_text=True)
    actions: list[Action] = [create]
    if status is not None:  # "": the issue just created
        resolution = values.get("resolution")
        actions.append(TransitionTo(create.site, "", status, guarded=True, resolution=resolution))
    return [*actions, *_earlier_comments(pair, config)]


def _earlier_comments(pair: PairState, config: SyncConfig) -> list[Action]:
    """Once the counterpart exists: the origin's comments written before it did."""
    origin = pair.side(pair.origin)
    if not config.sync_comments or origin is None:
        return []
    return [CopyComments(origin.site, origin.key, other(origin.site), "")]


def _create(
    pair: PairState, values: dict[str, Any], config: SyncConfig, status: str | None = None
) -> CreateCounterpart:
    origin = pair.side(pair.origin)
    if origin is None:
        raise ValueError(f"pair {pair.pair_id} does not know its origin issue")
    target = other(pair.origin)
    link = {"pair_id": pair.pair_id, "site": origin.site, "id": origin.id, "key": origin.key}
    carried = {*config.fields, "issuetype"}  # the type is set once, at the create
    wanted = {k: v for k, v in values.items() if k in carried}
    return CreateCounterpart(target, config.project_keys[target], wanted, link, origin.key, status)


def _recover(pending: PendingCreate) -> RecoverCreate:
    return RecoverCreate(
        pending.site,
        pending.project_key,
        pending.values,
        pending.link,
        pending.origin_key,
        pending.requested_at,
        pending.status,
    )


def _adopt(
    pair: PairState, pending: PendingCreate, change: IssueChanged, now: datetime
) -> PairState:
    """The counterpart whose create was never confirmed announces itself (its webhook,
    routed here by its link marker): it is ours, created with the pending values."""
    ref = IssueRef(site=change.site, id=change.issue_id, key=change.issue_key)
    side = {"site1": ref} if change.site == 1 else {"site2": ref}
    return pair.model_copy(
        update={
            **side,
            "base": {**pair.base, **pending.values},
            "pending_create": None,
            "failure": None,
            "status": PairStatus.SYNCED,
            "version": pair.version + 1,
            "updated_at": now,
        }
    )


def _agrees_with_base(change: IssueChanged, pair: PairState, config: SyncConfig) -> bool:
    if pair.conflicts or pair.failure is not None:
        return False
    names = [name for name in config.synced() if name in change.values]
    base = pair.base_of(change.site)
    return all(name in base and change.values[name] == base[name] for name in names)


def _quiet_note(change: IssueChanged, config: SyncConfig) -> str:
    own = change.actor is not None and change.actor == config.integration_accounts.get(change.site)
    return "echo" if own else "in sync"


def _first_sight(change: IssueChanged, config: SyncConfig, now: datetime) -> Decision:
    if change.kind == "deleted":
        return Decision(None, note="deleted before it was synced")
    level = visibility.unmapped_level(change.values, config)
    project = config.project_keys.get(change.site)
    if project is not None and change.issue_key.rpartition("-")[0] != project:
        return Decision(None, note=f"ignored: not in project {project}")
    refused = config.filters.admits(change.values)
    if refused is not None:
        return Decision(None, note=f"ignored: {refused}")
    origin = IssueRef(site=change.site, id=change.issue_id, key=change.issue_key)
    state = PairState(
        pair_id=pair_id_for(change.site, change.issue_id),
        version=1,
        origin=change.site,
        site1=origin if change.site == 1 else None,
        site2=origin if change.site == 2 else None,
        status=PairStatus.PENDING,
        markers={str(change.site): _marker(change.updated)},
        recent_webhook_ids=[change.webhook_id] if change.webhook_id else [],
        warnings=_refused_marker(change, now),
        updated_at=now,
    )
    if level is not None:  # never copied: the pair only records why
        state = visibility.skipped(state, change.site, change.issue_key, level, now)
        return Decision(state, note=f"skipped: security level {level}")
    creating = _creating(state, change.values, config, _webhook_text(change, config))
    return Decision(state, creating, note="create counterpart")


def _webhook_text(change: IssueChanged, config: SyncConfig) -> bool:
    """A webhook's rich text is wiki markup, never to be written (snapshots are REST reads)."""
    if change.kind == "snapshot" or change.text_read:
        return False
    return carries_webhook_text(change.values, config.maps)


def _refused_marker(change: IssueChanged, now: datetime) -> list[PairWarning]:
    """An issue whose link marker named a pair that did not take it (a copied or forged
    marker, ``streams.sync.markers``) starts its own pair, which says so."""
    if change.refused is None:
        return []
    return [PairWarning(code="marker-refused", message=change.refused, at=now)]


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
    observed: dict[int, Observation],
    config: SyncConfig,
    now: datetime,
    quiet: str,
) -> Decision:
    moved = moves.moved_side(observed, config)
    if moved is not None:  # read by its old key, the issue answers from another project
        return _moved(pair, *moved, now)
    gone = [site for site, observation in observed.items() if not observation.exists]
    if gone:  # 404 is "not found or not allowed": only a deletion event deletes
        state = visibility.unreachable(pair, gone[0], now)
        return Decision(state, note=f"unreachable: site {gone[0]} answers 404")
    blocked = visibility.blocked_side(pair, {s: o.values for s, o in observed.items()}, config)
    if blocked is not None:
        state = visibility.skipped(pair, *blocked, now)
        return Decision(state, note=f"skipped: security level {blocked[2]}")
    resuming = pair.status in visibility.PAUSED
    pair = _confirmed(visibility.reachable(pair, now) if resuming else pair, observed)
    values = {site: observation.values for site, observation in observed.items()}
    updated = {site: observation.updated for site, observation in observed.items()}
    sides = Sides(values=values, updated=updated, origin=pair.origin)
    held = {site: pair.held.get(str(site), {}) for site in (1, 2)}
    result = merge(config.synced(), pair.base, sides, config.policy, held)
    markers = {str(site): _newer(pair, site, observed[site].updated) for site in (1, 2)}
    state = _with_merge(pair.model_copy(update={"markers": markers}), result, now)
    writes = writes_for(state, result, config)
    if not writes and state.failure is not None:  # nothing left to write: the failure is over
        state = state.model_copy(update={"failure": None})  # (a comment failing again sets it)
    comments = _comments_again(state, config) + (_comments_both_ways(state) if resuming else [])
    if result.conflicts:
        note = "conflict: " + ", ".join(sorted(result.conflicts))
    elif writes:
        note = "merge"
    else:
        note = "comments again" if comments else quiet
    return Decision(state, [*writes, *comments], note=note)


def _comments_again(pair: PairState, config: SyncConfig) -> list[Action]:
    """The comment copies, edits and removals that failed for good in an earlier step: no
    comment event comes again, so each is done again from a fresh read of its original
    (which makes, updates or removes the copy, whichever is due)."""
    one, two = pair.site1, pair.site2
    if not config.sync_comments or one is None or two is None:
        return []
    actions: list[Action] = []
    for source in pair.pending_comments:
        site, _, comment_id = source.partition(":")
        origin, target = (one, two) if site == "1" else (two, one)
        actions.append(CopyComment(origin.site, origin.key, comment_id, target.site, target.key))
    return actions


def _comments_both_ways(pair: PairState) -> list[Action]:
    """After a pause: the comments either side wrote meanwhile (copies are never copied)."""
    one, two = pair.site1, pair.site2
    if one is None or two is None:
        return []
    return [CopyComments(1, one.key, 2, two.key), CopyComments(2, two.key, 1, one.key)]


def _confirmed(pair: PairState, observed: dict[int, Observation]) -> PairState:
    """Writes of a step that died before recording them: a side holding the value asked of
    it was written (both sides agreed on it then: the base moves); one that does not was
    not (the merge decides again). Either way nothing is pending any more."""
    if not pair.pending_writes:
        return pair
    done = {
        name: value
        for side, fields in pair.pending_writes.items()
        for name, value in fields.items()
        if observed[int(side)].values.get(name) == value
    }
    return pair.model_copy(
        update={
            "base": {**pair.base, **done},
            "held": without(pair.held, set(done)),
            "pending_writes": {},
        }
    )


def _with_merge(pair: PairState, result: MergeResult, now: datetime) -> PairState:
    base = {**pair.base, **result.settled}
    held = without(pair.held, set(result.settled))
    conflicts = {
        name: FieldConflict(field=name, base=b, site1=one, site2=two, detected_at=now)
        for name, (b, one, two) in result.conflicts.items()
    }
    status = PairStatus.CONFLICTED if conflicts else PairStatus.SYNCED
    update = {"base": base, "held": held, "conflicts": conflicts, "status": status}
    return pair.model_copy(update=update)


def without(held: dict[str, dict[str, Any]], names: set[str]) -> dict[str, dict[str, Any]]:
    """``held`` (``PairState.held``) with ``names`` forgotten on both sides."""
    kept = {
        side: {k: v for k, v in values.items() if k not in names} for side, values in held.items()
    }
    return {side: values for side, values in kept.items() if values}


def writes_for(pair: PairState, result: MergeResult, config: SyncConfig) -> list[Action]:
    actions: list[Action] = []
    for site in (1, 2):
        ref = pair.site1 if site == 1 else pair.site2
        wanted = dict(result.writes[site])
        if ref is None or not wanted:
            continue
        status, resolution = _moves(pair, wanted)
        if wanted:
            actions.append(WriteFields(ref.site, ref.key, wanted))
        if status is not None:
            actions.append(TransitionTo(ref.site, ref.key, status, resolution=resolution))
    return actions


def _deletion_event(
    pair: PairState,
    change: IssueChanged,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    """A ``jira:issue_deleted`` event: the deletion policy runs once a fresh read of that
    issue confirms it is gone (an event is no proof: the read is)."""
    if observed is None or change.site not in observed:
        ref = pair.side(change.site)
        fetch = Fetch(change.site, ref.key if ref is not None else change.issue_key)
        return Decision(pair, [fetch], note="deletion event: confirming it")
    if observed[change.site].exists:
        return Decision(pair, note=f"deletion event, but the issue on site {change.site} exists")
    return _deleted(pair, change.site, config, now)


def _moves(pair: PairState, wanted: dict[str, Any]) -> tuple[str | None, str | None]:
    """The status taken out of ``wanted``, and the resolution with it: a resolution is set
    on a transition's screen, so it goes with the status (the agreed one when it did not
    change). A resolution that changed alone stays an edit: JIRA takes it where the edit
    screen has the field, else refuses it and the pair says so (field-not-on-screen)."""
    status = wanted.pop("status", None)
    if status is None:
        return None, None
    return status, wanted.pop("resolution", pair.base.get("resolution"))


def _deleted(pair: PairState, site: int, config: SyncConfig, now: datetime) -> Decision:
    """One issue of the pair is gone; the deletion policy says what happens to the other."""
    survivor = pair.site2 if site == 1 else pair.site1
    state = _orphan(pair, now)
    if survivor is None or config.deletion is DeletionPolicy.IGNORE:
        return Decision(state, note=f"deleted on site {site}; the other issue is left as it is")
    if config.deletion is DeletionPolicy.UNLINK:
        action: Action = Unlink(survivor.site, survivor.key)
    else:
        action = DeleteIssue(survivor.site, survivor.key)
    return Decision(state, [action], note=f"deleted on site {site}; {config.deletion.value}")


def _moved(pair: PairState, site: SiteNumber, key: str, now: datetime) -> Decision:
    """The pair's issue on ``site`` moved out of the synced project (now ``key``): the pair
    stops syncing; neither issue is written, unlinked or deleted."""
    return Decision(moves.orphaned_by_move(pair, site, key, now), note=f"moved to {key}")


def _orphan(pair: PairState, now: datetime) -> PairState:
    return pair.model_copy(
        update={"status": PairStatus.ORPHANED, "version": pair.version + 1, "updated_at": now}
    )


def _marker(updated: datetime | None) -> SideMarker:
    return SideMarker(updated=updated.isoformat() if updated else None)


def _newer(pair: PairState, site: int, updated: datetime | None) -> SideMarker:
    current = pair.markers.get(str(site))
    if current is None or current.updated is None:
        return _marker(updated)
    if updated is None or datetime.fromisoformat(current.updated) >= updated:
        return current
    return _marker(updated)
