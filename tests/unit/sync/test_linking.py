"""Linking existing issues and ending a pair (pure): the reads asked, the pair started with
no agreed value (differences in conflict, equal fields agreed), the marker and remote links
asked, linking twice a no-op, refusals; an unlink orphans the pair and unlinks both."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from streams.state import PairStatus
from streams.sync.decision import Rejected
from streams.sync.events import fold
from streams.sync.messages import (
    CrossLink,
    EndPair,
    Fetch,
    LinkExisting,
    Mark,
    Observation,
    SyncConfig,
    Unlink,
)
from streams.sync.model import decide

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
LINK = LinkExisting("PROJ1-5#PROJ2-9", "10005", "20009")
VALUES: dict[str, Any] = {"summary": "Printer", "priority": "High", "labels": []}


def seen(site: int, key: str, issue_id: str, **values: Any) -> Observation:
    return Observation(site, issue_id, key, {**VALUES, **values}, T0)  # type: ignore[arg-type]


BOTH = {1: seen(1, "PROJ1-5", "10005"), 2: seen(2, "PROJ2-9", "20009", priority="Low")}


def test_both_sides_are_read_then_the_pair_starts_with_its_differences_in_conflict() -> None:
    asking = decide(LINK, None, CONFIG, T0)
    assert asking.actions == [Fetch(1, "PROJ1-5"), Fetch(2, "PROJ2-9")]
    linked = decide(LINK, None, CONFIG, T0, BOTH)
    state = fold(None, linked.events, T0)
    assert state is not None
    assert state == linked.state
    assert (state.pair_id, state.origin, state.status) == ("1:10005", 1, PairStatus.CONFLICTED)
    assert state.site2 is not None
    assert (state.site2.key, state.site2.id) == ("PROJ2-9", "20009")
    assert set(state.conflicts) == {"priority"}
    assert (state.conflicts["priority"].site1, state.conflicts["priority"].site2) == ("High", "Low")
    assert state.base == {"summary": "Printer", "labels": []}
    assert state.parents == {"1": "", "2": ""}  # where each is: a later change moves nothing
    link = {"pair_id": "1:10005", "site": 1, "id": "10005", "key": "PROJ1-5"}
    assert linked.actions == [Mark(2, "PROJ2-9", link), CrossLink(2, best_effort=True)]


def test_equal_issues_are_synced_under_every_policy_and_never_overwritten() -> None:
    equal = {1: BOTH[1], 2: seen(2, "PROJ2-9", "20009")}
    state = decide(LINK, None, CONFIG, T0, equal).state
    assert state is not None
    assert (state.status, state.conflicts) == (PairStatus.SYNCED, {})
    latest = dataclasses.replace(CONFIG, policy="latest")  # type: ignore[arg-type]
    differing = decide(LINK, None, latest, T0, BOTH).state
    assert differing is not None
    assert set(differing.conflicts) == {"priority"}


def test_linking_again_changes_nothing_and_another_pair_is_refused() -> None:
    state = decide(LINK, None, CONFIG, T0, BOTH).state
    again = decide(LINK, state, CONFIG, T0)
    assert (again.state, again.actions, again.events) == (state, [], [])
    other = LinkExisting("PROJ1-5#PROJ2-7", "10005", "20007")
    refused = decide(other, state, CONFIG, T0)
    assert isinstance(refused.outcome, Rejected)
    assert refused.actions == []


def test_an_issue_gone_swapped_outside_or_restricted_is_not_linked() -> None:
    gone = {1: BOTH[1], 2: dataclasses.replace(BOTH[2], exists=False)}
    swapped = {1: BOTH[1], 2: seen(2, "PROJ2-9", "20010")}
    outside = {1: seen(1, "OTHER-5", "10005"), 2: BOTH[2]}
    levels = dataclasses.replace(CONFIG, fields=(*CONFIG.fields, "security"))
    secret = {1: BOTH[1], 2: seen(2, "PROJ2-9", "20009", security="site2:Secret")}
    for observed, config in (
        (gone, CONFIG),
        (swapped, CONFIG),
        (outside, CONFIG),
        (secret, levels),
    ):
        decision = decide(LINK, None, config, T0, observed)
        assert isinstance(decision.outcome, Rejected), decision.note
        assert (decision.state, decision.actions) == (None, [])


def test_an_unlink_orphans_the_pair_and_unlinks_both_issues_once() -> None:
    state = decide(LINK, None, CONFIG, T0, BOTH).state
    ended = decide(EndPair("PROJ1-5#PROJ2-9"), state, CONFIG, T0)
    assert ended.actions == [Unlink(1, "PROJ1-5"), Unlink(2, "PROJ2-9")]
    assert ended.state is not None
    assert ended.state.status is PairStatus.ORPHANED
    assert decide(EndPair("PROJ1-5#PROJ2-9"), ended.state, CONFIG, T0).actions == []
    wrong = decide(EndPair("PROJ1-5#PROJ2-1"), state, CONFIG, T0)
    assert isinstance(wrong.outcome, Rejected)
    relinked = decide(LINK, ended.state, CONFIG, T0, BOTH)  # an ended pair may start again
    assert relinked.state is not None
    assert relinked.state.status is PairStatus.CONFLICTED


def test_the_parents_the_issues_are_under_when_linked_are_kept_not_moved() -> None:
    epic = {"id": "10099", "key": "PROJ1-99", "subtask": False}
    under = {1: seen(1, "PROJ1-5", "10005", parent=epic), 2: BOTH[2]}
    state = decide(LINK, None, CONFIG, T0, under).state
    assert state is not None
    assert state.parents == {"1": "10099", "2": ""}
