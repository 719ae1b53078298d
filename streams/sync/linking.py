"""Linking issues that already exist, and ending a pair: the operator's decisions (pure).

``LinkExisting`` (``jira-sync match --apply``, a ``link_pair`` command): both issues are
read fresh; the pair starts with both sides, site 1's issue as its origin (its pair id is
the one site 1's issue would have started, so its events route here with no marker), and
no agreed value: a field equal on both sides is agreed, every field that differs is a
conflict for the operator (under every conflict policy: nothing is overwritten on a
guess). Linking again the same two issues changes nothing; an issue already in another
pair, gone, outside the projects or behind an unmapped security level is refused.

``EndPair`` (``jira-sync unlink SYNC_ID``): both issues lose the sync's marker and remote
links (``Unlink``) and stay as they are; the pair is orphaned, so later changes of either
are not synced."""

from __future__ import annotations

from datetime import datetime

from streams.state import FieldConflict, IssueRef, PairState, PairStatus
from streams.sync import visibility
from streams.sync.at_create import PARENT
from streams.sync.decision import Decision, Rejected, settled
from streams.sync.messages import (
    Action,
    CrossLink,
    EndPair,
    Fetch,
    LinkExisting,
    Mark,
    Observation,
    SyncConfig,
    Unlink,
    pair_id_for,
)
from streams.sync.settled import Orphaned, PairStarted, side_marker


def link_existing(
    message: LinkExisting,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation] | None,
) -> Decision:
    if pair is not None and pair.status is not PairStatus.ORPHANED:  # an ended one starts again
        if _same(pair, message):
            return Decision(pair, note=f"{message.sync_id} is linked already")
        return _refused(pair, f"{pair.sync_id} is already a pair; unlink it first")
    key1, key2 = message.sync_id.split("#")
    if observed is None:
        return Decision(pair, [Fetch(1, key1), Fetch(2, key2)], note="read both sides to link")
    problem = why_not(message, observed, config)
    if problem is not None:
        return _refused(pair, problem)
    one, two = observed[1], observed[2]
    state = linked_state(one, two, config, now)
    link = {"pair_id": state.pair_id, "site": 1, "id": one.issue_id, "key": one.issue_key}
    marked: list[Action] = [Mark(2, two.issue_key, link), CrossLink(2, best_effort=True)]
    note = f"linked {message.sync_id}: {len(state.conflicts)} conflicts"
    return settled(pair, [PairStarted(state)], now, marked, note=note)


def why_not(
    message: LinkExisting, observed: dict[int, Observation], config: SyncConfig
) -> str | None:
    """Why the two issues read cannot be linked (None: they can)."""
    wanted = {1: message.site1_id, 2: message.site2_id}
    for site, seen in observed.items():
        if not seen.exists:
            return f"{seen.issue_key} does not exist on site {site}"
        if seen.issue_id != wanted[site]:
            return f"{seen.issue_key} on site {site} is another issue than the one matched"
        project = config.project_keys.get(site)
        if project is not None and seen.issue_key.rpartition("-")[0] != project:
            return f"{seen.issue_key} is not in project {project}"
        level = visibility.unmapped_level(seen.values, config)
        if level is not None:
            return f"{seen.issue_key} has security level {level}, not mapped: not linked"
    return None


def linked_state(
    one: Observation, two: Observation, config: SyncConfig, now: datetime
) -> PairState:
    """The pair of two existing issues: equal fields agreed, differing ones in conflict."""
    base, conflicts = {}, {}
    for name in config.synced():
        if name not in one.values or name not in two.values:
            continue
        first, second = one.values[name], two.values[name]
        if first == second:
            base[name] = first
        else:
            conflicts[name] = FieldConflict(
                field=name, base=None, site1=first, site2=second, detected_at=now
            )
    return PairState(
        pair_id=pair_id_for(1, one.issue_id),
        version=1,
        origin=1,
        connection=config.connection,
        site1=IssueRef(site=1, id=one.issue_id, key=one.issue_key),
        site2=IssueRef(site=2, id=two.issue_id, key=two.issue_key),
        status=PairStatus.CONFLICTED if conflicts else PairStatus.SYNCED,
        base=base,
        conflicts=conflicts,
        markers={"1": side_marker(one.updated), "2": side_marker(two.updated)},
        parents={"1": _parent_id(one), "2": _parent_id(two)},  # where each is: no move
        updated_at=now,
    )


def _parent_id(seen: Observation) -> str:
    parent = seen.values.get(PARENT)
    return str(parent["id"]) if isinstance(parent, dict) else ""


def end_pair(message: EndPair, pair: PairState | None, now: datetime) -> Decision:
    if pair is None or pair.sync_id != message.sync_id:
        return _refused(pair, f"{message.sync_id} is not a synced pair")
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note=f"{message.sync_id} is not synced any more")
    sides = [side for side in (pair.site1, pair.site2) if side is not None]
    unlinks = [Unlink(side.site, side.key) for side in sides]
    return settled(pair, [Orphaned()], now, list(unlinks), note=f"unlinked {message.sync_id}")


def _same(pair: PairState, message: LinkExisting) -> bool:
    one, two = pair.site1, pair.site2
    return (
        one is not None
        and two is not None
        and (one.id, two.id) == (message.site1_id, message.site2_id)
    )


def _refused(pair: PairState | None, reason: str) -> Decision:
    return Decision(pair, note=f"rejected: {reason}", outcome=Rejected(reason))
