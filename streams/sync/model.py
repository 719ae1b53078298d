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
   (including our own older echoes) unable to start a ping-pong. The one snapshot merged
   is a human's webhook provably newer than all the pair knows of its side
   (``streams.sync.views``): then only the other side is read.

The decision's ``state`` holds what was observed; the base only moves when the applier
reports a write as done (its facts, ``streams.sync.facts``), so a failed write is retried,
never forgotten. The counterpart's decisions are ``streams.sync.creating``, the merge of
fresh reads ``streams.sync.merging``; what follows from JIRA's answers to the actions is
``streams.sync.policies``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from streams.state import PairState, PairStatus
from streams.sync import assumed, echo_reads, linking, moves, overwrites, visibility
from streams.sync.attachment_wiring import with_attachments
from streams.sync.comment_wiring import comment_change
from streams.sync.creating import (
    adopted_comments,
    create_actions,
    earlier_comments,
    first_sight,
    has_webhook_text,
    recover_action,
)
from streams.sync.decision import (
    DONE,
    Decision,
    Done,
    Outcome,
    RecoveringCreate,
    Rejected,
    after,
    settled,
)
from streams.sync.events import PairEvent, fold
from streams.sync.link_wiring import with_links
from streams.sync.merge import MergeResult
from streams.sync.merging import (
    agrees_with_base,
    deletion_event,
    fetch_both,
    merge_reads,
    merged_in_run,
    moved_away,
    quiet_note,
    stale,
    statuses,
    writes_for,
)
from streams.sync.messages import (
    Action,
    CommentChanged,
    CrossLink,
    EndPair,
    IssueChanged,
    LinkExisting,
    Observation,
    PairMessage,
    Reexamine,
    Resolve,
    SyncConfig,
    TransitionTo,
    other,
)
from streams.sync.parent_wiring import with_parent
from streams.sync.retrying import SWEEP, needs_another_look
from streams.sync.settled import (
    ChangeSeen,
    ConflictsResolved,
    CreateAdopted,
    Resumed,
    Skipped,
    Unreachable,
    without,
)
from streams.sync.views import believed_target, webhook_view
from streams.sync.worklog_actions import WorklogChanged
from streams.sync.worklog_wiring import with_worklogs, worklog_change

__all__ = [
    "DONE",
    "Decision",
    "Done",
    "Outcome",
    "RecoveringCreate",
    "Rejected",
    "after",
    "decide",
    "settled",
    "without",
    "writes_for",
]


def decide(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None = None,
) -> Decision:
    """What to do about one message of a pair. Called again with ``observed`` filled in
    when the first answer asked for fresh reads (``Fetch``)."""
    decision = _decided(message, pair, config, now, observed)
    decision = with_attachments(message, pair, decision, config)
    decision = with_worklogs(message, pair, decision, config)
    return with_parent(message, pair, with_links(message, pair, decision))


def _decided(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    if isinstance(message, Resolve):
        return _resolve(message, pair, config, now, observed)
    if isinstance(message, Reexamine):
        return _reexamine(message, pair, config, now, observed)
    if isinstance(message, CommentChanged):
        return comment_change(message, pair, config, now)
    if isinstance(message, WorklogChanged):
        return worklog_change(message, pair, config, now)
    if isinstance(message, LinkExisting):
        return linking.link_existing(message, pair, config, now, observed)
    if isinstance(message, EndPair):
        return linking.end_pair(message, pair, now)
    return _changed(message, pair, config, now, observed)


def _changed(
    change: IssueChanged,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    if pair is None:
        return first_sight(change, config, now)
    pending = pair.pending_create
    if pending is None:
        return _change_of(change, pair, config, now, observed, [])
    if change.site != pending.site or pair.side(change.site) is not None:
        actions = [recover_action(pending), *earlier_comments(pair, config)]
        return Decision(pair, actions, "unconfirmed create", RecoveringCreate())
    facts: list[PairEvent] = [CreateAdopted(change.site, change.issue_id, change.issue_key)]
    adopted_pair = fold(pair, facts, now) or pair
    adopted: list[Action] = [CrossLink(change.site)]
    if pending.status is not None:  # the create's status may never have been applied
        adopted.append(TransitionTo(change.site, change.issue_key, pending.status, True))
    adopted.extend(earlier_comments(adopted_pair, config))
    origin_key = pending.origin_key
    adopted.extend(adopted_comments(change.site, change.issue_key, origin_key, config))
    return after(facts, _change_of(change, adopted_pair, config, now, observed, adopted))


def _change_of(
    change: IssueChanged,
    pair: PairState,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
    adopted: list[Action],
) -> Decision:
    """An issue change of a pair (whose lost create, if any, it has just adopted)."""
    # Writes asked but never recorded as done (a step died): whatever this message is,
    # both sides are read again, so the merge can tell our own writes from changes.
    unsure = bool(pair.pending_writes)
    duplicate = change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids
    if duplicate and not unsure:
        return Decision(pair, note="duplicate")
    if change.kind == "snapshot" and not unsure and merged_in_run(pair, change.webhook_id):
        return Decision(pair, note="merged already in this resync")
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    paused = pair.status in visibility.PAUSED  # a fresh read of both sides may resume it
    snapshot = change.kind == "snapshot" or unsure or paused  # no shortcut: read both sides
    if not snapshot and stale(change, pair):
        return Decision(pair, note="stale")
    if moves.moved_out(change.site, change.issue_key, config):
        return moved_away(pair, change.site, change.issue_key, now)
    if change.kind == "deleted":
        return deletion_event(pair, change, config, now, observed)
    facts: list[PairEvent] = [_seen(change, config)]
    seen = fold(pair, facts, now) or pair
    level = visibility.unmapped_level(change.values, config)
    if level is not None:
        skipped = [*facts, Skipped(change.site, change.issue_key, level)]
        return settled(pair, skipped, now, adopted, note=f"skipped: security level {level}")
    if seen.side(other(change.site)) is None:  # only the origin can be alone
        facts += [Resumed()] if paused else []
        seen = fold(pair, facts, now) or pair
        creating = create_actions(seen, change.values, config, has_webhook_text(change, config))
        return settled(pair, facts, now, creating, note="create counterpart")
    checked = overwrites.overwritten(change, seen, config)  # the echo of a write of ours
    if checked is not None:
        facts.append(checked)
        seen = fold(pair, facts, now) or pair
        if checked.before:  # an edit our write overwrote goes back, then both are merged
            restore = [*adopted, *overwrites.restoring(checked, change.issue_key)]
            return settled(pair, facts, now, restore, note="edit overwritten: put back")
    change, found = assumed.checked_change(seen, change)  # a status taken, not read
    facts.extend(found.facts)
    seen = fold(pair, facts, now) or pair
    if not snapshot and agrees_with_base(change, seen, config):
        quiet = assumed.moved_unless_moving(adopted, found, seen)
        return settled(pair, facts, now, quiet, note=quiet_note(change, config))
    return _merged(change, pair, seen, facts, found, snapshot, config, now, observed, adopted)


def _merged(
    change: IssueChanged,
    pair: PairState,
    seen: PairState,
    facts: list[PairEvent],
    found: assumed.Checked,
    snapshot: bool,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
    adopted: list[Action],
) -> Decision:
    """A change merged: from its webhook and the agreed values where they do, else from
    fresh reads of both sides (asked for first)."""
    view = None if snapshot else webhook_view(change, pair, config)
    views: dict[int, Observation] = {change.site: view} if view is not None else {}
    target = believed_target(view, pair, config) if view is not None else None
    views |= {target.site: target} if target is not None else {}
    reads, by_reads = assumed.checked_reads(seen, observed or {})
    if observed:  # what the reads show of a status taken, not read, wins
        unread = [m for m in found.moves if m.site not in observed]
        found = assumed.Checked([*found.facts, *by_reads.facts], [*unread, *by_reads.moves])
        facts = [*facts, *by_reads.facts]
        seen = fold(pair, facts, now) or pair
    given = {**views, **reads}  # a fresh read, when there is one, wins
    if set(given) != {1, 2}:
        fetches = [f for f in fetch_both(seen) if f.site not in views]
        note = "read both sides" if len(fetches) == 2 else f"read site {fetches[0].site}"
        return settled(pair, facts, now, fetches, note=note)
    merged = merge_reads(seen, given, config, now, quiet_note(change, config))
    actions = assumed.moved_unless_moving([*adopted, *merged.actions], found, merged.state)
    return after(facts, dataclasses.replace(merged, actions=actions))


def _seen(change: IssueChanged, config: SyncConfig) -> ChangeSeen:
    window = config.dedup_window
    return ChangeSeen(
        change.site, change.issue_id, change.issue_key, change.updated, change.webhook_id, window
    )


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
        actions = [recover_action(pair.pending_create), *earlier_comments(pair, config)]
        return Decision(pair, actions, "unconfirmed create", RecoveringCreate())
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    look = needs_another_look(pair) or bool(pair.assumed_status)  # a status not seen yet
    if message.reason == SWEEP and pair.believed and not look:
        return Decision(pair, echo_reads.reads_for(pair), note="echo not seen: read the history")
    if observed is None:
        return Decision(pair, fetch_both(pair), note=f"read both sides ({message.reason})")
    target, moved = other(pair.origin), moves.moved_side(observed, config)
    if moved is not None:
        return moved_away(pair, *moved, now)
    if pair.side(target) is None:
        origin = observed.get(pair.origin)
        if origin is None or not origin.exists:
            unreachable = [Unreachable(pair.origin)]
            return settled(pair, unreachable, now, note="unreachable: the origin issue answers 404")
        level = visibility.unmapped_level(origin.values, config)
        if level is not None:
            skipped = [Skipped(pair.origin, origin.issue_key, level)]
            return settled(pair, skipped, now, note=f"skipped: security level {level}")
        facts: list[PairEvent] = [Resumed()] if pair.status in visibility.PAUSED else []
        resumed = fold(pair, facts, now) or pair
        creating = create_actions(resumed, origin.values, config)
        return settled(pair, facts, now, creating, note="create counterpart")
    return assumed.merged(pair, observed, config, now, "in sync")  # a status taken, not read


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
        return Decision(pair, fetch_both(pair), note="read both sides")
    moved = moves.moved_side(observed, config)
    if moved is not None:
        return moved_away(pair, *moved, now)
    gone = [site for site, observation in observed.items() if not observation.exists]
    if gone:
        note = f"unreachable: site {gone[0]} answers 404"
        return settled(pair, [Unreachable(gone[0])], now, note=note)
    blocked = visibility.blocked_side(pair, {s: o.values for s, o in observed.items()}, config)
    if blocked is not None:  # the winner's values may not leave its site either
        return settled(pair, [Skipped(*blocked)], now, note="skipped: security level")
    result = MergeResult()
    loser = other(message.winner)
    for name in pair.conflicts:
        if name in observed[message.winner].values:
            result.writes[loser][name] = observed[message.winner].values[name]
    facts: list[PairEvent] = [ConflictsResolved()]
    state = fold(pair, facts, now) or pair
    note = f"resolved towards site {message.winner}"
    writes = writes_for(state, result, config, statuses(observed))
    return settled(pair, facts, now, writes, note)
