"""The decision model, branch by branch, with no loop, broker or HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streams.settings import ConflictPolicy
from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.messages import (
    CreateCounterpart,
    Fetch,
    IssueChanged,
    Observation,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import decide

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CONFIG = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"}, integration_accounts={1: "bot-1", 2: "bot-2"}
)
BASE = {
    "summary": "Printer on fire",
    "description": None,
    "priority": "High",
    "labels": ["ops"],
    "status": "To Do",
}


def change(
    site: SiteNumber,
    minutes: int = 1,
    webhook: str | None = None,
    kind: str = "updated",
    actor: str | None = "human",
    **values: Any,
) -> IssueChanged:
    issue_id, key = ("10001", "PROJ1-1") if site == 1 else ("20001", "PROJ2-1")
    return IssueChanged(
        site=site,
        kind=kind,  # type: ignore[arg-type]
        issue_id=issue_id,
        issue_key=key,
        values={**BASE, **values},
        updated=T0 + timedelta(minutes=minutes),
        webhook_id=webhook or f"w-{site}-{minutes}",
        actor=actor,
    )


def seen(site: SiteNumber, minutes: int = 1, exists: bool = True, **values: Any) -> Observation:
    issue_id, key = ("10001", "PROJ1-1") if site == 1 else ("20001", "PROJ2-1")
    return Observation(
        site, issue_id, key, {**BASE, **values}, T0 + timedelta(minutes=minutes), exists
    )


def fresh(
    c: IssueChanged, minutes: int = 1, exists: bool = True, **other: Any
) -> dict[int, Observation]:
    """Fresh reads: the changed side as the event says, the other side BASE + ``other``."""
    mine = Observation(c.site, c.issue_id, c.issue_key, dict(c.values), c.updated)
    theirs = seen(2 if c.site == 1 else 1, minutes, exists, **other)
    return {c.site: mine, theirs.site: theirs}


def linked_pair() -> PairState:
    """A pair created from site 1, counterpart PROJ2-1 written, both agreeing on BASE."""
    first = decide(change(1, minutes=0), None, CONFIG, T0)
    assert first.state is not None
    create = first.actions[0]
    assert isinstance(create, CreateCounterpart)
    pair = outcomes.created(first.state, create, "20001", "PROJ2-1", T0)
    return outcomes.written(pair, TransitionTo(2, "PROJ2-1", "To Do"), T0)


def test_first_sight_creates_the_counterpart_with_its_link_marker() -> None:
    decision = decide(change(1, status="In Progress"), None, CONFIG, T0)
    assert decision.state is not None
    assert decision.state.pair_id == "1:10001"
    assert decision.state.status is PairStatus.PENDING
    assert decision.actions == [
        CreateCounterpart(
            site=2,
            project_key="PROJ2",
            values={k: v for k, v in BASE.items() if k != "status"},
            link={"pair_id": "1:10001", "site": 1, "id": "10001", "key": "PROJ1-1"},
            origin_key="PROJ1-1",
        )
    ]


def test_created_counterpart_records_ref_and_base() -> None:
    pair = linked_pair()
    assert pair.sync_id == "PROJ1-1#PROJ2-1"
    assert pair.status is PairStatus.SYNCED
    assert pair.base == BASE
    assert pair.counters["writes"] == 2


def test_a_deleted_issue_never_seen_is_nothing() -> None:
    assert decide(change(1, kind="deleted"), None, CONFIG, T0).state is None


def test_repeated_webhook_is_a_no_op() -> None:
    pair = linked_pair()
    once = decide(
        change(1, minutes=2, webhook="same", summary="New"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, webhook="same", summary="New")),
    )
    again = decide(
        change(1, minutes=2, webhook="same", summary="New"),
        once.state,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, webhook="same", summary="New")),
    )
    assert again.note == "duplicate"
    assert again.actions == []
    assert again.state == once.state


def test_older_event_than_the_marker_is_stale() -> None:
    pair = linked_pair()
    newer = decide(
        change(1, minutes=5, summary="Newer"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=5, summary="Newer")),
    )
    older = decide(
        change(1, minutes=3, summary="Older"),
        newer.state,
        CONFIG,
        T0,
        fresh(change(1, minutes=3, summary="Older")),
    )
    assert older.note == "stale"
    assert older.actions == []


def test_both_sides_are_read_fresh_before_merging() -> None:
    decision = decide(change(1, minutes=2, summary="New"), linked_pair(), CONFIG, T0)
    assert decision.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    assert decision.note == "read both sides"


def test_an_event_equal_to_the_base_costs_no_read() -> None:
    decision = decide(change(2, minutes=2, actor="bot-2"), linked_pair(), CONFIG, T0)
    assert decision.actions == []
    assert decision.note == "echo"
    human = decide(change(1, minutes=3), linked_pair(), CONFIG, T0)
    assert human.note == "in sync"


def test_events_before_the_counterpart_exists_wait() -> None:
    first = decide(change(1, minutes=0), None, CONFIG, T0)
    decision = decide(change(1, minutes=2, summary="x"), first.state, CONFIG, T0)
    assert decision.note == "awaiting counterpart"
    assert decision.actions == []


def test_one_side_changed_is_copied_and_base_waits_for_the_write() -> None:
    pair = linked_pair()
    decision = decide(
        change(1, minutes=2, summary="New"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, summary="New")),
    )
    assert decision.actions == [WriteFields(2, "PROJ2-1", {"summary": "New"})]
    assert decision.state is not None
    assert decision.state.base["summary"] == "Printer on fire"
    done = outcomes.written(decision.state, decision.actions[0], T0)  # type: ignore[arg-type]
    assert done.base["summary"] == "New"


def test_a_change_on_the_counterpart_is_copied_back() -> None:
    decision = decide(
        change(2, minutes=2, labels=["ops", "vendor"]),
        linked_pair(),
        CONFIG,
        T0,
        fresh(change(2, minutes=2, labels=["ops", "vendor"])),
    )
    assert decision.actions == [WriteFields(1, "PROJ1-1", {"labels": ["ops", "vendor"]})]


def test_echo_of_our_own_write_produces_nothing() -> None:
    pair = linked_pair()
    decision = decide(
        change(2, minutes=2, actor="bot-2"),
        pair,
        CONFIG,
        T0,
        fresh(change(2, minutes=2, actor="bot-2")),
    )
    assert decision.actions == []
    assert decision.note == "echo"


def test_both_changed_to_the_same_value_is_settled() -> None:
    pair = linked_pair()
    decision = decide(
        change(1, minutes=2, priority="Low"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, priority="Low"), priority="Low"),
    )
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.base["priority"] == "Low"


def test_both_changed_differently_is_a_conflict_for_that_field_only() -> None:
    pair = linked_pair()
    c = change(1, minutes=2, summary="Mine", labels=["a"])
    decision = decide(c, pair, CONFIG, T0, fresh(c, summary="Theirs"))
    assert decision.state is not None
    assert decision.state.status is PairStatus.CONFLICTED
    conflict = decision.state.conflicts["summary"]
    assert (conflict.base, conflict.site1, conflict.site2) == ("Printer on fire", "Mine", "Theirs")
    assert decision.actions == [WriteFields(2, "PROJ2-1", {"labels": ["a"]})]
    assert decision.note == "conflict: summary"


@pytest.mark.parametrize(
    ("policy", "winner_value"),
    [
        (ConflictPolicy.JIRA1, "Mine"),
        (ConflictPolicy.JIRA2, "Theirs"),
        (ConflictPolicy.LATEST, "Theirs"),
    ],
)
def test_other_policies_pick_a_winner(policy: ConflictPolicy, winner_value: str) -> None:
    config = SyncConfig(project_keys=CONFIG.project_keys, policy=policy)
    c = change(1, minutes=2, summary="Mine")
    decision = decide(c, linked_pair(), config, T0, fresh(c, minutes=3, summary="Theirs"))
    assert decision.state is not None
    assert decision.state.conflicts == {}
    loser = 2 if winner_value == "Mine" else 1
    assert [(a.site, a.values) for a in decision.actions if isinstance(a, WriteFields)] == [
        (loser, {"summary": winner_value})
    ]


def test_status_changes_become_transitions() -> None:
    decision = decide(
        change(1, minutes=2, status="In Progress"),
        linked_pair(),
        CONFIG,
        T0,
        fresh(change(1, minutes=2, status="In Progress")),
    )
    assert decision.actions == [TransitionTo(2, "PROJ2-1", "In Progress")]


def test_status_is_left_alone_when_status_sync_is_off() -> None:
    config = SyncConfig(project_keys=CONFIG.project_keys, sync_status=False)
    decision = decide(
        change(1, minutes=2, status="Done"),
        linked_pair(),
        config,
        T0,
        fresh(change(1, minutes=2, status="Done")),
    )
    assert decision.actions == []


def test_a_field_never_agreed_takes_the_origin_value() -> None:
    first = decide(change(1, minutes=0, status="In Progress"), None, CONFIG, T0)
    assert first.state is not None
    pair = outcomes.created(first.state, first.actions[0], "20001", "PROJ2-1", T0)  # type: ignore[arg-type]
    decision = decide(
        change(2, minutes=1, actor="bot-2"),
        pair,
        CONFIG,
        T0,
        fresh(change(2, minutes=1, actor="bot-2"), status="In Progress"),
    )
    assert decision.actions == [TransitionTo(2, "PROJ2-1", "In Progress")]


def test_deletion_orphans_the_pair() -> None:
    decision = decide(change(2, minutes=2, kind="deleted"), linked_pair(), CONFIG, T0)
    assert decision.state is not None
    assert decision.state.status is PairStatus.ORPHANED
    gone = decide(
        change(1, minutes=2, summary="x"),
        linked_pair(),
        CONFIG,
        T0,
        fresh(change(1, minutes=2, summary="x"), exists=False),
    )
    assert gone.state is not None
    assert gone.state.status is PairStatus.ORPHANED
    assert gone.actions == []


def test_a_conflict_clears_when_both_sides_agree_again() -> None:
    pair = linked_pair()
    conflicted = decide(
        change(1, minutes=2, summary="Mine"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, summary="Mine"), summary="Theirs"),
    ).state
    healed = decide(
        change(1, minutes=3, summary="Theirs"),
        conflicted,
        CONFIG,
        T0,
        fresh(change(1, minutes=3, summary="Theirs"), summary="Theirs"),
    )
    assert healed.state is not None
    assert healed.state.conflicts == {}
    assert healed.state.status is PairStatus.SYNCED
    assert healed.state.base["summary"] == "Theirs"


def test_resolve_applies_the_chosen_side_and_clears_conflicts() -> None:
    conflicted = decide(
        change(1, minutes=2, summary="Mine"),
        linked_pair(),
        CONFIG,
        T0,
        fresh(change(1, minutes=2, summary="Mine"), summary="Theirs"),
    ).state
    assert conflicted is not None
    decision = outcomes.resolve(
        conflicted, 1, {1: seen(1, summary="Mine"), 2: seen(2, summary="Theirs")}, CONFIG, T0
    )
    assert decision.actions == [WriteFields(2, "PROJ2-1", {"summary": "Mine"})]
    assert decision.state is not None
    assert decision.state.conflicts == {}
    assert outcomes.resolve(decision.state, 1, {}, CONFIG, T0).note == "no conflict to resolve"


def test_failures_and_warnings() -> None:
    pair = linked_pair()
    action = WriteFields(2, "PROJ2-1", {"summary": "x"})
    retry = outcomes.failed(pair, action, "HTTP 503", retryable=True, now=T0)
    assert retry.status is PairStatus.PENDING
    assert retry.failure is not None
    again = outcomes.failed(retry, action, "HTTP 503", retryable=True, now=T0)
    assert again.failure is not None
    assert again.failure.attempts == 2
    broken = outcomes.failed(pair, action, "HTTP 403", retryable=False, now=T0)
    assert broken.status is PairStatus.FAILED
    recovered = outcomes.written(broken, action, T0)
    assert recovered.failure is None
    assert recovered.status is PairStatus.SYNCED
    warned = outcomes.warned(
        outcomes.warned(pair, "status-unreachable", "a", T0), "status-unreachable", "b", T0
    )
    assert [w.message for w in warned.warnings] == ["b"]
    assert outcomes.cleared(warned, "status-unreachable", T0).warnings == []


def test_every_decision_moves_the_version_forward() -> None:
    pair = linked_pair()
    decision = decide(
        change(1, minutes=2, summary="New"),
        pair,
        CONFIG,
        T0,
        fresh(change(1, minutes=2, summary="New")),
    )
    assert decision.state is not None
    assert decision.state.version > pair.version
