"""The pure merge of a pair's fresh reads (three-way against the base: copy, settle or
conflict), the writes it calls for, the pair's markers and dedup, and what a deletion, a
move out of the project or a 404 does to the pair."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from streams.settings import DeletionPolicy
from streams.state import (
    PairState,
)
from streams.sync import documents, moves, rerender, visibility
from streams.sync.decision import Decision, settled
from streams.sync.events import PairEvent, fold
from streams.sync.merge import MergeResult, Sides, merge
from streams.sync.messages import (
    Action,
    CopyComment,
    CopyComments,
    DeleteIssue,
    Fetch,
    IssueChanged,
    Observation,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
    resync_run,
)
from streams.sync.settled import (
    FailureOver,
    Merged,
    MovedAway,
    Orphaned,
    Reachable,
    Skipped,
    Unreachable,
    WritesConfirmed,
)


def merged_in_run(pair: PairState, event_id: str | None) -> bool:
    """A full resync feeds both issues of a pair; the first one's step read both sides
    fresh and merged them, so the second has nothing to add."""
    run = resync_run(event_id)
    return run is not None and any(resync_run(seen) == run for seen in pair.recent_webhook_ids)


def fetch_both(pair: PairState) -> list[Action]:
    return [Fetch(ref.site, ref.key) for ref in (pair.site1, pair.site2) if ref]


def agrees_with_base(change: IssueChanged, pair: PairState, config: SyncConfig) -> bool:
    if pair.conflicts or pair.failure is not None:
        return False
    names = [name for name in config.synced() if name in change.values]
    base = pair.base_of(change.site)
    maps = config.maps
    same = functools.partial(documents.agrees, change.site, users=maps.users, files=maps.files)
    return all(name in base and same(change.values[name], base[name]) for name in names)


def quiet_note(change: IssueChanged, config: SyncConfig) -> str:
    own = change.actor is not None and change.actor == config.integration_accounts.get(change.site)
    return "echo" if own else "in sync"


def stale(change: IssueChanged, pair: PairState) -> bool:
    marker = pair.markers.get(str(change.site))
    if marker is None or marker.updated is None or change.updated is None:
        return False
    return change.updated < datetime.fromisoformat(marker.updated)


def merge_reads(
    pair: PairState,
    observed: dict[int, Observation],
    config: SyncConfig,
    now: datetime,
    quiet: str,
) -> Decision:
    moved = moves.moved_side(observed, config)
    if moved is not None:  # read by its old key, the issue answers from another project
        return moved_away(pair, *moved, now)
    gone = [site for site, observation in observed.items() if not observation.exists]
    if gone:  # 404 is "not found or not allowed": only a deletion event deletes
        return settled(
            pair, [Unreachable(gone[0])], now, note=f"unreachable: site {gone[0]} answers 404"
        )
    blocked = visibility.blocked_side(pair, {s: o.values for s, o in observed.items()}, config)
    if blocked is not None:
        return settled(pair, [Skipped(*blocked)], now, note=f"skipped: security level {blocked[2]}")
    resuming = pair.status in visibility.PAUSED
    facts: list[PairEvent] = [Reachable()] if resuming else []
    if pair.pending_writes:
        facts.append(WritesConfirmed(_confirmed(pair, observed)))
    before = fold(pair, facts, now) or pair
    values = {site: observation.values for site, observation in observed.items()}
    updated = {site: observation.updated for site, observation in observed.items()}
    sides = Sides(values=values, updated=updated, origin=before.origin)
    held = {site: before.held.get(str(site), {}) for site in (1, 2)}
    result = merge(config.synced(), before.base, sides, config.policy, held)
    rerender.add_rewrites(result, before, values, config.maps)
    facts.append(Merged(dict(updated), dict(result.settled), dict(result.conflicts)))
    state = fold(pair, facts, now) or pair
    writes = writes_for(state, result, config, statuses(observed), values)
    if not writes and state.failure is not None:  # nothing left to write: the failure is over
        facts.append(FailureOver())  # (a comment failing again sets it)
        state = fold(pair, facts, now) or pair
    comments = _comments_again(state, config) + (_comments_both_ways(state) if resuming else [])
    comments += rerender.comments_due(state, config.maps) if config.sync_comments else []
    if result.conflicts:
        note = "conflict: " + ", ".join(sorted(result.conflicts))
    elif writes:
        note = "merge"
    else:
        note = "comments again" if comments else quiet
    return settled(pair, facts, now, [*writes, *comments], note=note)


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


def _confirmed(pair: PairState, observed: dict[int, Observation]) -> dict[str, Any]:
    """Writes of a step that died before recording them: a side holding the value asked of
    it was written (both sides agreed on it then: the base moves); one that does not was
    not (the merge decides again). Either way nothing is pending any more."""
    return {
        name: value
        for side, fields in pair.pending_writes.items()
        for name, value in fields.items()
        if observed[int(side)].values.get(name) == value
    }


def statuses(observed: dict[int, Observation]) -> dict[int, str]:
    """The status each side was just read in, as that site names it (a move starts there;
    for a side not read, ``views.believed_target``, the status it was agreed in)."""
    found = {site: seen.fields.get("status") for site, seen in observed.items()}
    return {s: str(f["name"]) for s, f in found.items() if isinstance(f, dict) and f.get("name")}


def writes_for(
    pair: PairState,
    result: MergeResult,
    config: SyncConfig,
    statuses: dict[int, str] | None = None,
    before: dict[int, dict[str, Any]] | None = None,
) -> list[Action]:
    """The writes ``result`` asks for; a status move starts from ``statuses`` (the status
    each side was just read in), so it is not read again."""
    actions: list[Action] = []
    for site in (1, 2):
        ref = pair.site1 if site == 1 else pair.site2
        wanted = dict(result.writes[site])
        if ref is None or not wanted:
            continue
        status, resolution = _moves(pair, wanted)
        if wanted:
            read = (before or {}).get(site)
            was = {name: read.get(name) for name in wanted} if read is not None else None
            actions.append(WriteFields(ref.site, ref.key, wanted, was))
        if status is not None:
            start = (statuses or {}).get(site)
            actions.append(TransitionTo(ref.site, ref.key, status, False, resolution, start))
    return actions


def deletion_event(
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
    orphaned: list[PairEvent] = [Orphaned()]
    if survivor is None or config.deletion is DeletionPolicy.IGNORE:
        note = f"deleted on site {site}; the other issue is left as it is"
        return settled(pair, orphaned, now, note=note)
    if config.deletion is DeletionPolicy.UNLINK:
        action: Action = Unlink(survivor.site, survivor.key)
    else:
        action = DeleteIssue(survivor.site, survivor.key)
    return settled(
        pair, orphaned, now, [action], f"deleted on site {site}; {config.deletion.value}"
    )


def moved_away(pair: PairState, site: SiteNumber, key: str, now: datetime) -> Decision:
    """The pair's issue on ``site`` moved out of the synced project (now ``key``): the pair
    stops syncing; neither issue is written, unlinked or deleted."""
    return settled(pair, [MovedAway(site, key)], now, note=f"moved to {key}")
