"""The pair's facts: each has a JSON form, and a step's state is the fold of its events
(the engine checks it; an effect that moves the pair without a fact is caught)."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.state import PairState, PendingCreate
from streams.sync.applier import Applied, Applier
from streams.sync.assumed import StatusSeen
from streams.sync.attachment_facts import AttachmentCopied, AttachmentMedia, AttachmentUnmapped
from streams.sync.engine import FoldMismatch, Rejected, handle
from streams.sync.events import IssueObserved, PairEvent, decode, encode, fold
from streams.sync.facts import (
    Cleared,
    CommentCopied,
    CommentFiles,
    CommentPending,
    CommentUnmapped,
    CommentUpdated,
    CounterpartCreated,
    CreateFound,
    CreateIntended,
    FieldsUnagreed,
    FieldsWritten,
    ReadFailed,
    StatusReached,
    Warned,
    WarningsCleared,
    WriteFailed,
    WritesIntended,
)
from streams.sync.link_facts import LinkMade, LinkRemoved, LinksSeen
from streams.sync.messages import (
    Action,
    CommentChanged,
    IssueChanged,
    Reexamine,
    Resolve,
    SyncConfig,
    WriteFields,
)
from streams.sync.model import Decision, decide
from streams.sync.overwrites import EchoChecked, StatusMovedSince
from streams.sync.parent_facts import ParentsSeen
from streams.sync.settled import (
    ChangeSeen,
    CommentSeen,
    ConflictsResolved,
    CreateAdopted,
    FailureOver,
    Merged,
    MovedAway,
    Orphaned,
    PairStarted,
    Reachable,
    Resumed,
    Skipped,
    Unreachable,
    WritesConfirmed,
)
from streams.sync.worklog_facts import WorklogCopied, WorklogSeen, WorklogUnmapped
from tests.unit.sync import pairs

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
PAIR = pairs.pending(T0)
INTENT = PendingCreate(
    site=2,
    project_key="PROJ2",
    values={"summary": "S"},
    link={},
    origin_key="PROJ1-1",
    requested_at=T0,
)
SAMPLES: list[PairEvent] = [
    PairStarted(PAIR),
    ChangeSeen(2, "20001", "PROJ2-1", T0, "w-2", 50),
    CommentSeen("w-3", 50),
    CreateAdopted(2, "20001", "PROJ2-1"),
    Skipped(1, "PROJ1-1", "Secret"),
    Unreachable(2),
    Reachable(),
    Resumed(),
    WritesConfirmed({"summary": "S"}),
    Merged({1: T0, 2: None}, {"summary": "S"}, {"priority": ("Low", "High", "Medium")}),
    FailureOver(),
    ConflictsResolved(),
    Orphaned(),
    MovedAway(2, "OTHER-7"),
    WritesIntended({"2": {"summary": "S"}}),
    CreateIntended(INTENT),
    CounterpartCreated(2, "20001", "PROJ2-1", {"summary": "S"}, {"priority": "High"}),
    CreateFound(2, "20001", "PROJ2-1", {"summary": "S"}),
    FieldsUnagreed({"duedate": "2026-12-24"}),
    FieldsWritten(2, {"summary": "S"}),
    FieldsWritten(2, {"summary": "S"}, before={"summary": "R"}, agreed=False),
    EchoChecked(2, ("summary",), {"summary": "H"}, {"summary": "B"}),
    StatusReached(2, "Done", "Fixed", {"resolution": "Won't Do"}),
    StatusReached(2, "In Progress", None, None, "To Do", agreed=False),
    StatusMovedSince(2, "In Review"),
    StatusReached(2, "To Do", assumed=True),
    StatusSeen(2),
    WriteFailed("WriteFields", 2, "HTTP 503", retryable=True, retry_after=3.0),
    ReadFailed(1, "HTTP 503", retryable=True),
    Warned("value-missing", "no such priority", "priority"),
    Cleared("value-missing", "priority"),
    WarningsCleared("transition-screen"),
    CommentPending("1:10010"),
    CommentCopied("1:10010", "2:20010"),
    CommentFiles("1:10010", ["5f0c-one"]),
    CommentUpdated("1:10010"),
    CommentUnmapped("1:10010"),
    AttachmentCopied("1:10001", "2:20007", "ab" * 32, 5),
    AttachmentUnmapped("1:10001"),
    AttachmentMedia("1:10001", "5f0c-one", "7a1d-two"),
    WorklogSeen("w-1", 64),
    WorklogCopied("1:10001", "2:20007", "edited"),
    WorklogUnmapped("1:10001"),
    LinksSeen({"1": ["Blocks|10002"], "2": []}, ["2|Blocker|20009"]),
    LinkMade(2, "Blocker|20002"),
    LinkRemoved(1, "Blocks|10002", "1|Blocks|10002"),
    ParentsSeen({"1": "10001", "2": ""}),
    IssueObserved(1, "10001", "PROJ1-1", {"summary": "S"}, {"summary": "S"}, T0),
]


@pytest.mark.parametrize("fact", SAMPLES, ids=lambda f: type(f).__name__)
def test_every_fact_has_a_json_form(fact: PairEvent) -> None:
    assert decode(encode(fact)) == fact


def test_every_registered_fact_has_a_sample() -> None:
    ours = {cls for cls in PairEvent.registry.values() if cls.__module__.startswith("streams.")}
    assert {type(f) for f in SAMPLES} == ours


@dataclass
class FakeApplier(Applier):
    """Answers every write as done; ``silent``: moves the pair without saying so."""

    silent: bool = False
    seen: list[Action] | None = None

    async def apply(self, pair: PairState, action: Action, now: datetime) -> Applied:
        if self.silent:
            return Applied(pair.model_copy(update={"version": pair.version + 7}))
        if isinstance(action, WriteFields):
            fact = FieldsWritten(action.site, action.values)
            return Applied(fold(pair, [fact], now) or pair, events=[fact])
        return Applied(pair)


def created(values: dict[str, Any]) -> IssueChanged:
    return IssueChanged(1, "created", "10001", "PROJ1-1", values, T0, webhook_id="w1")


def test_a_steps_state_is_the_fold_of_its_events() -> None:
    applier = FakeApplier({}, CONFIG, {})
    result = asyncio.run(handle(created({"summary": "S"}), None, CONFIG, applier, T0))
    assert result.events
    assert isinstance(result.events[0], PairStarted)
    assert fold(None, result.events, T0) == result.state


def test_an_effect_that_moves_the_pair_without_a_fact_is_caught() -> None:
    applier = FakeApplier({}, CONFIG, {}, silent=True)
    change = created({"summary": "S"})
    with pytest.raises(FoldMismatch):
        asyncio.run(handle(change, None, CONFIG, applier, T0))


def test_a_command_for_no_pair_is_rejected_as_a_typed_outcome() -> None:
    applier = FakeApplier({}, CONFIG, {})
    result = asyncio.run(handle(Resolve(1, "SYNC-9"), None, CONFIG, applier, T0))
    assert result.outcome == Rejected("SYNC-9 is not a synced pair")
    assert result.note.startswith("rejected:")  # the log text stays


def _decisions() -> list[tuple[str, PairState | None, Decision]]:
    """Decisions of every kind that moves the pair (the model's own test helpers)."""
    from tests.unit.sync.test_model import CONFIG as MODEL
    from tests.unit.sync.test_model import change, fresh, linked_pair, pending_pair, seen

    pair = linked_pair()
    edit = change(1, 2, priority="Low")
    both = change(2, 3, priority="Medium")
    conflicted = decide(both, pair, MODEL, T0, fresh(both, 3, priority="Low")).state
    pending = pair.model_copy(update={"pending_writes": {"2": {"priority": "Low"}}})
    gone = change(2, 4, kind="deleted")
    deleted_reads = {2: seen(2, 4, exists=False)}
    adopting = change(2, minutes=1, kind="created", actor="bot-2")
    moved = dataclasses.replace(change(1, 5, summary="x"), issue_key="OTHER-7")
    comment = CommentChanged(1, "created", "10001", "PROJ1-1", "5", webhook_id="c-1")
    secret = change(1, 0, security="Secret")
    return [
        ("first sight", None, decide(change(1, 0), None, MODEL, T0)),
        ("change merged", pair, decide(edit, pair, MODEL, T0, fresh(edit))),
        ("conflict", pair, decide(both, pair, MODEL, T0, fresh(both, 3, priority="Low"))),
        (
            "resolved",
            conflicted,
            decide(Resolve(1, "PROJ1-1#PROJ2-1"), conflicted, MODEL, T0, fresh(edit)),
        ),
        ("confirmed", pending, decide(Reexamine("r"), pending, MODEL, T0, fresh(edit))),
        ("unreachable", pair, decide(Reexamine("r"), pair, MODEL, T0, fresh(edit, exists=False))),
        ("deleted", pair, decide(gone, pair, MODEL, T0, deleted_reads)),
        ("adopted", pending_pair(), decide(adopting, pending_pair(), MODEL, T0)),
        ("moved", pair, decide(moved, pair, MODEL, T0)),
        ("comment", pair, decide(comment, pair, MODEL, T0)),
        ("skipped", None, decide(secret, None, MODEL, T0)),
    ]


def test_a_decisions_state_is_the_fold_of_its_events() -> None:
    for name, pair, decision in _decisions():
        assert decision.state != pair or not decision.events, name
        assert fold(pair, decision.events, T0) == decision.state, name
