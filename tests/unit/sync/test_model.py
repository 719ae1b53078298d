"""The decision model, branch by branch, with no loop, broker or HTTP."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streams.settings import ConflictPolicy, DeletionPolicy
from streams.state import PairState, PairStatus, PendingCreate
from streams.sync import outcomes
from streams.sync.messages import (
    CommentChanged,
    CopyComment,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    DeleteComment,
    DeleteIssue,
    Fetch,
    IssueChanged,
    IssueFilter,
    Observation,
    RecoverCreate,
    Reexamine,
    Resolve,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
    resync_event_id,
    resync_run,
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
            status="In Progress",
        ),
        # "": the issue the create makes, same step; not if someone moved it already
        TransitionTo(2, "", "In Progress", guarded=True),
        CopyComments(1, "PROJ1-1", 2, ""),  # the comments written before it existed
    ]


def test_created_counterpart_records_ref_and_base() -> None:
    pair = linked_pair()
    assert pair.sync_id == "PROJ1-1#PROJ2-1"
    assert pair.status is PairStatus.SYNCED
    assert pair.base == {**BASE, "resolution": None}  # the transition carried "unresolved"
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
    # a webhook whose author is unknown (a human's newer one is its side's view:
    # ``test_webhook_view``)
    decision = decide(change(1, minutes=2, actor=None, summary="New"), linked_pair(), CONFIG, T0)
    assert decision.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    assert decision.note == "read both sides"


def test_an_event_equal_to_the_base_costs_no_read() -> None:
    decision = decide(change(2, minutes=2, actor="bot-2"), linked_pair(), CONFIG, T0)
    assert decision.actions == []
    assert decision.note == "echo"
    human = decide(change(1, minutes=3), linked_pair(), CONFIG, T0)
    assert human.note == "in sync"


def pending_pair() -> PairState:
    """A pair whose create was sent but never confirmed (the worker died in between)."""
    first = decide(change(1, minutes=0), None, CONFIG, T0)
    assert first.state is not None
    create = first.actions[0]
    assert isinstance(create, CreateCounterpart)
    intent = PendingCreate(
        site=2,
        project_key="PROJ2",
        values=create.values,
        link=create.link,
        origin_key="PROJ1-1",
        requested_at=T0,
    )
    return first.state.model_copy(update={"pending_create": intent})


def test_an_unconfirmed_create_is_recovered_before_anything_else() -> None:
    pair = pending_pair()
    # even the very event that asked for the create (a redelivery after the crash)
    for message in (change(1, minutes=0), change(1, minutes=2, summary="x"), Reexamine("r")):
        decision = decide(message, pair, CONFIG, T0)
        assert decision.note == "unconfirmed create"
        assert decision.state == pair
        recover, _comments = decision.actions
        assert isinstance(recover, RecoverCreate)
        assert (recover.site, recover.requested_at) == (2, T0)
        assert recover.link["pair_id"] == "1:10001"


def test_the_counterparts_own_webhook_adopts_an_unconfirmed_create() -> None:
    decision = decide(
        change(2, minutes=1, kind="created", actor="bot-2"), pending_pair(), CONFIG, T0
    )
    state = decision.state
    assert state is not None
    assert state.pending_create is None
    assert state.site2 is not None
    assert state.site2.key == "PROJ2-1"
    assert state.base == {k: v for k, v in BASE.items() if k != "status"}
    # it asks for both reads first (and nothing else); with them, it links the two
    assert decision.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    reads = {1: seen(1), 2: seen(2)}
    given = decide(
        change(2, minutes=1, kind="created", actor="bot-2"), pending_pair(), CONFIG, T0, reads
    )
    assert given.actions[0] == CrossLink(2)


def test_a_pair_without_counterpart_and_no_intent_creates_again() -> None:
    """The create was refused for good (nothing exists); a later change tries again."""
    first = decide(change(1, minutes=0), None, CONFIG, T0)
    decision = decide(change(1, minutes=2, summary="x"), first.state, CONFIG, T0)
    assert decision.note == "create counterpart"
    create, _status, _comments = decision.actions
    assert isinstance(create, CreateCounterpart)
    assert create.values["summary"] == "x"
    # a webhook of an issue whose marker names this pair: it is the counterpart
    found = decide(change(2, minutes=2), first.state, CONFIG, T0)
    assert found.state is not None
    assert found.state.site2 is not None
    assert found.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]


def test_reexamine_reads_both_sides_and_clears_a_failure_when_nothing_is_left() -> None:
    action = WriteFields(2, "PROJ2-1", {"summary": "x"})
    failed = outcomes.failed(linked_pair(), action, "HTTP 503", retryable=True, now=T0)
    asked = decide(Reexamine("retry"), failed, CONFIG, T0)
    assert asked.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    settled = decide(Reexamine("retry"), failed, CONFIG, T0, {1: seen(1), 2: seen(2)})
    assert settled.actions == []
    assert settled.state is not None
    assert settled.state.failure is None
    assert settled.state.status is PairStatus.SYNCED
    moved = decide(Reexamine("retry"), failed, CONFIG, T0, {1: seen(1, summary="y"), 2: seen(2)})
    assert moved.actions == [WriteFields(2, "PROJ2-1", {"summary": "y"})]
    assert decide(Reexamine("retry"), None, CONFIG, T0).note == "no such pair"


def test_reexamine_of_a_pair_without_counterpart_creates_it_from_a_fresh_read() -> None:
    first = decide(change(1, minutes=0), None, CONFIG, T0)
    assert first.state is not None
    asked = decide(Reexamine("retry"), first.state, CONFIG, T0)
    assert asked.actions == [Fetch(1, "PROJ1-1")]
    made = decide(Reexamine("retry"), first.state, CONFIG, T0, {1: seen(1, summary="now")})
    create, _status, _comments = made.actions
    assert isinstance(create, CreateCounterpart)
    assert create.values["summary"] == "now"
    gone = decide(Reexamine("r"), first.state, CONFIG, T0, {1: seen(1, exists=False)})
    assert gone.state is not None
    assert gone.state.status is PairStatus.UNREACHABLE  # a 404 is no deletion


def test_a_snapshot_always_reads_both_sides_even_when_equal_to_the_base() -> None:
    pair = linked_pair()
    snapshot = change(1, minutes=0, kind="snapshot", webhook="manual:1")
    decision = decide(snapshot, pair, CONFIG, T0)
    assert decision.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    drifted = decide(snapshot, pair, CONFIG, T0, {1: seen(1), 2: seen(2, labels=["x"])})
    assert drifted.actions == [WriteFields(1, "PROJ1-1", {"labels": ["x"]})]


def test_a_full_resync_merges_a_pair_once_though_it_feeds_both_issues() -> None:
    pair = linked_pair()
    run = "p.commands:0:41"
    first = change(1, minutes=0, kind="snapshot", webhook=resync_event_id(run, 1, "10001"))
    merged = decide(first, pair, CONFIG, T0, {1: seen(1), 2: seen(2, labels=["x"])})
    assert merged.actions == [WriteFields(1, "PROJ1-1", {"labels": ["x"]})]
    assert merged.state is not None
    # the other issue of the pair, same run, even with the same id on its own site
    second = change(2, minutes=0, kind="snapshot", webhook=resync_event_id(run, 2, "10001"))
    assert second.webhook_id != first.webhook_id
    skipped = decide(second, merged.state, CONFIG, T0)
    assert (skipped.note, skipped.actions, skipped.state) == (
        "merged already in this resync",
        [],
        merged.state,
    )
    # the next run reads both sides again
    next_run = resync_event_id("p.commands:0:97", 2, "1")
    later = change(2, minutes=0, kind="snapshot", webhook=next_run)
    assert decide(later, merged.state, CONFIG, T0).actions == [
        Fetch(1, "PROJ1-1"),
        Fetch(2, "PROJ2-1"),
    ]
    assert resync_run(first.webhook_id) == "resync:p.commands:0:41:"
    assert resync_run("manual:p.commands:0:41") is None


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


def test_a_deletion_event_confirmed_by_a_404_orphans_the_pair() -> None:
    deleted = change(2, minutes=2, kind="deleted")
    asked = decide(deleted, linked_pair(), CONFIG, T0)
    assert asked.actions == [Fetch(2, "PROJ2-1")]
    decision = decide(deleted, linked_pair(), CONFIG, T0, {2: seen(2, exists=False)})
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
    assert gone.state.status is PairStatus.UNREACHABLE  # a 404 without a deletion event
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
    resolve = Resolve(winner=1, sync_id="PROJ1-1#PROJ2-1")
    asked = decide(resolve, conflicted, CONFIG, T0)
    assert asked.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    reads = {1: seen(1, summary="Mine"), 2: seen(2, summary="Theirs")}
    decision = decide(resolve, conflicted, CONFIG, T0, reads)
    assert decision.actions == [WriteFields(2, "PROJ2-1", {"summary": "Mine"})]
    assert decision.state is not None
    assert decision.state.conflicts == {}
    assert decide(resolve, decision.state, CONFIG, T0, reads).note == "no conflict to resolve"
    towards_two = decide(Resolve(2, "PROJ1-1#PROJ2-1"), conflicted, CONFIG, T0, reads)
    assert towards_two.actions == [WriteFields(1, "PROJ1-1", {"summary": "Theirs"})]
    wrong = decide(Resolve(1, "PROJ1-9#PROJ2-9"), conflicted, CONFIG, T0)
    assert wrong.note.startswith("rejected:")
    assert wrong.state == conflicted


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


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (DeletionPolicy.IGNORE, []),
        (DeletionPolicy.UNLINK, [Unlink(1, "PROJ1-1")]),
        (DeletionPolicy.DELETE, [DeleteIssue(1, "PROJ1-1")]),
    ],
)
def test_the_deletion_policy_decides_what_happens_to_the_survivor(
    policy: DeletionPolicy, expected: list[object]
) -> None:
    config = dataclasses.replace(CONFIG, deletion=policy)
    deleted = change(2, minutes=2, kind="deleted")
    decision = decide(deleted, linked_pair(), config, T0, {2: seen(2, exists=False)})
    assert decision.state is not None
    assert decision.state.status is PairStatus.ORPHANED
    assert decision.actions == expected
    later = decide(change(1, minutes=3, summary="after"), decision.state, config, T0)
    assert (later.actions, later.note) == ([], "orphaned")


def test_events_outside_the_project_and_the_filters_start_no_pair() -> None:
    elsewhere = dataclasses.replace(change(1), issue_key="OTHER-1")
    assert decide(elsewhere, None, CONFIG, T0).state is None
    filters = IssueFilter(
        include_labels=frozenset({"partner"}),
        exclude_labels=frozenset({"internal"}),
        issue_types=frozenset({"Bug"}),
    )
    config = dataclasses.replace(CONFIG, filters=filters)
    refused = {
        "no included label": change(1, labels=["ops"], issuetype="Bug"),
        "excluded label": change(1, labels=["partner", "internal"], issuetype="Bug"),
        "wrong type": change(1, labels=["partner"], issuetype="Task"),
    }
    for why, event in refused.items():
        decision = decide(event, None, config, T0)
        assert (decision.state, decision.actions) == (None, []), why
        assert decision.note.startswith("ignored: "), why
    admitted = decide(change(1, labels=["partner"], issuetype="Bug"), None, config, T0)
    assert admitted.state is not None
    assert isinstance(admitted.actions[0], CreateCounterpart)


def test_a_value_the_target_cannot_hold_is_not_taken_for_a_change() -> None:
    """Site 2 lacks component "Mobile": it holds ["Backend"] while the base says both. That
    difference is neither an edit on site 2 nor a reason to write again."""
    config = dataclasses.replace(CONFIG, fields=(*CONFIG.fields, "components"))
    pair = linked_pair()
    both = ["Backend", "Mobile"]
    pair = outcomes.written(
        pair, WriteFields(2, "PROJ2-1", {"components": both}), T0, {"components": ["Backend"]}
    )
    assert pair.base["components"] == both
    assert pair.held == {"2": {"components": ["Backend"]}}
    event = change(2, minutes=3, components=["Backend"])
    quiet = decide(event, pair, config, T0)
    assert (quiet.actions, quiet.note) == ([], "in sync")  # agrees with what site 2 holds
    snapshot = dataclasses.replace(event, kind="snapshot")
    reads = {1: seen(1, 3, components=both), 2: seen(2, 3, components=["Backend"])}
    merged = decide(snapshot, pair, config, T0, reads)
    assert merged.actions == []
    edited = {1: seen(1, 4, components=both), 2: seen(2, 4, components=["Frontend"])}
    copied = decide(dataclasses.replace(snapshot, updated=T0), pair, config, T0, edited)
    assert copied.actions == [WriteFields(1, "PROJ1-1", {"components": ["Frontend"]})]
    done = outcomes.written(copied.state, copied.actions[0], T0)  # type: ignore[arg-type]
    assert done.held == {}
    assert done.base["components"] == ["Frontend"]


def comment(
    site: SiteNumber,
    kind: str = "created",
    comment_id: str = "500",
    author: str = "human",
    restricted: bool = False,
    webhook: str | None = None,
) -> CommentChanged:
    issue_id, key = ("10001", "PROJ1-1") if site == 1 else ("20001", "PROJ2-1")
    return CommentChanged(
        site, kind, issue_id, key, comment_id, author, author, restricted,  # type: ignore[arg-type]
        webhook or f"c-{site}-{comment_id}-{kind}",
    )  # fmt: skip


def test_a_comment_is_copied_and_its_edits_and_deletion_follow() -> None:
    pair = linked_pair()
    added = decide(comment(1), pair, CONFIG, T0)
    assert added.actions == [CopyComment(1, "PROJ1-1", "500", 2, "PROJ2-1")]
    assert added.state is not None
    copied = outcomes.comment_copied(added.state, "1:500", "2:900", T0)
    edited = decide(comment(1, "updated"), copied, CONFIG, T0)
    assert edited.actions == [CopyComment(1, "PROJ1-1", "500", 2, "PROJ2-1")]
    gone = decide(comment(1, "deleted"), copied, CONFIG, T0)
    assert gone.actions == [DeleteComment(2, "PROJ2-1", "900", "1:500")]
    assert decide(comment(1, "deleted", "501"), copied, CONFIG, T0).actions == []


def test_copies_and_the_sync_accounts_comments_never_come_back() -> None:
    pair = outcomes.comment_copied(linked_pair(), "1:500", "2:900", T0)
    for echo in (
        comment(2, "created", "900"),  # the copy's own webhook
        comment(2, "updated", "900"),
        comment(2, "created", "901", author="bot-2"),  # anything the sync account wrote
    ):
        decision = decide(echo, pair, CONFIG, T0)
        assert (decision.actions, decision.note) == ([], "echo")


def test_internal_comments_stay_and_a_repeated_delivery_is_nothing() -> None:
    pair = linked_pair()
    internal = decide(comment(2, restricted=True), pair, CONFIG, T0)
    assert (internal.actions, internal.note) == ([], "internal comment stays on its site")
    copied = outcomes.comment_copied(pair, "2:700", "1:800", T0)
    now_internal = decide(comment(2, "updated", "700", restricted=True), copied, CONFIG, T0)
    assert now_internal.actions == [CopyComment(2, "PROJ2-1", "700", 1, "PROJ1-1")]  # removes
    first = decide(comment(1), pair, CONFIG, T0)
    assert first.state is not None
    again = decide(comment(1), first.state, CONFIG, T0)
    assert (again.actions, again.note) == ([], "duplicate")
    off = dataclasses.replace(CONFIG, sync_comments=False)
    assert decide(comment(1), pair, off, T0).actions == []
    assert decide(comment(1), None, CONFIG, T0).actions == []


def test_a_merge_does_the_comment_copies_that_failed_again() -> None:
    """No comment event comes again for a copy, edit or removal that failed for good: the
    next look at the pair re-issues each from a fresh read of its original."""
    copied = outcomes.comment_copied(linked_pair(), "2:700", "1:800", T0)
    pending = outcomes.comment_pending(outcomes.comment_pending(copied, "1:500", T0), "2:700", T0)
    action = CopyComment(2, "PROJ2-1", "700", 1, "PROJ1-1")
    failed = outcomes.failed(pending, action, "HTTP 503", retryable=True, now=T0)
    again = [CopyComment(1, "PROJ1-1", "500", 2, "PROJ2-1"), action]
    assert decide(Reexamine("retry"), failed, CONFIG, T0).actions == [
        Fetch(1, "PROJ1-1"),
        Fetch(2, "PROJ2-1"),
    ]
    retried = decide(Reexamine("retry"), failed, CONFIG, T0, {1: seen(1), 2: seen(2)})
    assert (retried.actions, retried.note) == (again, "comments again")
    assert retried.state is not None
    assert retried.state.failure is None  # a copy failing again sets it again
    assert retried.state.pending_comments == failed.pending_comments
    moved = decide(Reexamine("r"), failed, CONFIG, T0, {1: seen(1, summary="y"), 2: seen(2)})
    assert moved.actions == [WriteFields(2, "PROJ2-1", {"summary": "y"}), *again]
    snapshot = change(1, minutes=0, kind="snapshot", webhook="full:1")
    assert decide(snapshot, failed, CONFIG, T0, {1: seen(1), 2: seen(2)}).actions == again
    off = dataclasses.replace(CONFIG, sync_comments=False)
    assert decide(Reexamine("r"), failed, off, T0, {1: seen(1), 2: seen(2)}).actions == []
    gone = decide(Reexamine("r"), failed, CONFIG, T0, {1: seen(1), 2: seen(2, exists=False)})
    assert (gone.actions, gone.note) == ([], "unreachable: site 2 answers 404")
