"""The journal is the events: each step's record folds back to exactly the pair the worker
kept, or the replay says why not (diverged, incomplete); intents and routes rebuild the
tables as the worker's at-least-once steps left them. Test-only events stand for the
engine's (``streams.sync.events`` holds the real ones)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from jira_sync.cli import main
from streams.state import PairFailure, PairState, PairStatus
from streams.sync import journal
from streams.sync.events import IssueObserved, PairEvent, event
from streams.sync.messages import IssueChanged, Reexamine
from streams.sync.replay import JournalFold, Rebuilt
from streams.sync.retrying import dead_letter_due

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAIR_ID = "1:10001"
CHANGE = IssueChanged(1, "updated", "10001", "PROJ1-1", {"summary": "b"}, AT, "w-1")


@event
@dataclass(frozen=True)
class Started(PairEvent):  # test-only: the pair begins
    pair_id: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return PairState(pair_id=self.pair_id, version=1, origin=1, status=PairStatus.PENDING,
                         updated_at=at)  # fmt: skip


@event
@dataclass(frozen=True)
class Agreed(PairEvent):  # test-only: a field settled on both sides
    name: str
    value: Any

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        assert pair is not None
        base = {**pair.base, self.name: self.value}
        return pair.model_copy(update={"base": base, "version": pair.version + 1})


@event
@dataclass(frozen=True)
class GaveUp(PairEvent):  # test-only: a write failed for good
    reason: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        assert pair is not None
        failure = PairFailure(reason=self.reason, retryable=False, at=at)
        return pair.model_copy(update={"status": PairStatus.FAILED, "failure": failure})


class Worker:
    """Steps as the worker takes them: events folded, its marks on, the record written."""

    def __init__(self) -> None:
        self.pair: PairState | None = None
        self.records: list[dict[str, Any]] = []

    def step(self, *facts: PairEvent, at: datetime = AT, due: datetime | None = None) -> None:
        state = facts[0].applied_to(self.pair, at) if facts else self.pair
        for fact in facts[1:]:
            state = fact.applied_to(state, at)
        if state is not None:
            state, _ = dead_letter_due(CHANGE, self.pair, state)
            if due is not None and state.failure is not None:
                failure = state.failure.model_copy(update={"next_retry_at": due})
                state = state.model_copy(update={"failure": failure})
        raw = journal.step_record(PAIR_ID, at, CHANGE, self.pair, list(facts), state, due)
        self.records.append(json.loads(raw))
        if state is not None and state != self.pair:
            self.pair = state

    def intent(self, state: PairState) -> None:
        self.records.append(json.loads(journal.intent_record(PAIR_ID, state)))
        self.pair = state


def folded(records: list[dict[str, Any]]) -> Rebuilt:
    fold = JournalFold()
    for record in records:
        fold.take(record)
    return fold.rebuilt


def history() -> Worker:
    worker = Worker()
    worker.step(Started(PAIR_ID), Agreed("summary", "a"))
    worker.step(Agreed("summary", "b"), Agreed("labels", ["x"]))
    worker.step(GaveUp("field not on screen"), due=AT + timedelta(minutes=5))
    return worker


def test_the_events_fold_back_to_the_pair_the_worker_kept() -> None:
    worker = history()
    rebuilt = folded(worker.records)
    assert (rebuilt.diverged, rebuilt.incomplete) == ({}, set())
    assert rebuilt.pairs == {PAIR_ID: worker.pair}
    assert worker.pair is not None
    assert worker.pair.failure is not None
    assert worker.pair.failure.dead_lettered  # the worker's marks are folded too
    assert worker.pair.failure.next_retry_at == AT + timedelta(minutes=5)
    assert rebuilt.steps == 3


def test_a_record_holds_the_step_and_no_jira_transcript() -> None:
    [first, *_] = history().records
    assert first["v"] == journal.VERSION == 2
    assert (first["kind"], first["pair"], first["before"]) == ("step", PAIR_ID, None)
    assert first["input"]["webhook_id"] == "w-1"
    assert [fact["type"] for fact in first["events"]] == ["Started", "Agreed"]
    assert "exchanges" not in first
    assert "context" not in first


def test_a_step_whose_events_lead_elsewhere_is_diverged() -> None:
    records = history().records
    records[1]["events"][0]["value"] = "c"  # not what the worker folded
    rebuilt = folded(records)
    assert "fold to another state" in rebuilt.diverged[PAIR_ID]
    assert PAIR_ID not in rebuilt.incomplete
    lost = history().records
    del lost[1]["events"][-1]  # an event lost on the way
    assert PAIR_ID in folded(lost).diverged


def test_an_event_this_code_does_not_know_is_diverged_not_skipped() -> None:
    records = history().records
    records[1]["events"].append({"type": "FromTheFuture"})
    assert "cannot read" in folded(records).diverged[PAIR_ID]


def test_a_redelivered_step_starts_from_where_it_started() -> None:
    worker = history()
    again = [*worker.records, worker.records[1], worker.records[2]]
    rebuilt = folded(again)
    assert rebuilt.diverged == {}
    assert rebuilt.pairs[PAIR_ID] == worker.pair


def test_an_intent_replaces_the_pair_when_it_was_made_durable() -> None:
    """The worker died after the intent: the redelivered step starts from it."""
    worker = history()
    assert worker.pair is not None
    pending = worker.pair.model_copy(update={"pending_writes": {"2": {"summary": "c"}}})
    worker.intent(pending)
    assert folded(worker.records).pairs[PAIR_ID] == pending
    worker.step(Agreed("summary", "c"))
    rebuilt = folded(worker.records)
    assert rebuilt.diverged == {}
    assert rebuilt.pairs[PAIR_ID] == worker.pair
    assert rebuilt.intents == 1


def test_a_pair_older_than_the_journal_is_incomplete() -> None:
    rebuilt = folded(history().records[1:])
    assert rebuilt.incomplete == {PAIR_ID}
    assert "before the journal's oldest record" in rebuilt.reasons[PAIR_ID]
    assert rebuilt.pairs == {}


def test_old_format_records_are_incomplete() -> None:
    old = {"v": 1, "kind": "step", "pair": PAIR_ID, "at": AT.isoformat(), "input": {},
           "before": None, "context": {}, "exchanges": [], "after": None}  # fmt: skip
    rebuilt = folded([old, *history().records])
    assert rebuilt.incomplete == {PAIR_ID}
    assert "old record format (v1)" in rebuilt.reasons[PAIR_ID]
    assert (rebuilt.old, rebuilt.steps) == (1, 4)


def test_a_step_too_large_for_kafka_lost_its_events_and_is_incomplete() -> None:
    records = history().records
    del records[1]["events"]
    records[1]["trimmed"] = {"bytes": 2_000_000, "dropped": "events"}
    rebuilt = folded(records)
    assert rebuilt.incomplete == {PAIR_ID}
    assert "too large" in rebuilt.reasons[PAIR_ID]
    assert rebuilt.diverged == {}


def test_an_observation_without_its_raw_fields_still_folds_exactly() -> None:
    worker = Worker()
    seen = IssueObserved(1, "10001", "PROJ1-1", {"summary": "a"}, {"summary": "a"}, AT)
    worker.step(Started(PAIR_ID), seen, Agreed("summary", "a"))
    worker.records[0]["events"][1]["fields"] = {"trimmed": 10, "sha256": "0" * 32}
    worker.records[0]["trimmed"] = {"bytes": 2_000_000, "dropped": "fields"}
    assert folded(worker.records).pairs == {PAIR_ID: worker.pair}


def test_routes_rebuild_the_link_tables_and_junk_is_counted() -> None:
    records = [
        json.loads(journal.route_record(1, "10001", PAIR_ID)),
        json.loads(journal.route_record(2, "20001", PAIR_ID)),
        {"v": 1, "kind": "route", "site": 2, "issue": "20002", "pair": "2:20002"},  # same form
        {"kind": "nonsense"},
        {"kind": "step"},
    ]
    rebuilt = folded(records)
    assert rebuilt.links == {1: {"10001": PAIR_ID}, 2: {"20001": PAIR_ID, "20002": "2:20002"}}
    assert (rebuilt.routes, rebuilt.unreadable) == (3, 2)


def test_a_step_without_a_pair_records_none_and_changes_nothing() -> None:
    worker = Worker()
    worker.step()  # e.g. an issue the filters keep out
    assert worker.records[0]["after"] is None
    rebuilt = folded(worker.records)
    assert (rebuilt.pairs, rebuilt.diverged, rebuilt.incomplete) == ({}, {}, set())


def test_the_sweeps_message_is_what_the_marks_are_folded_with() -> None:
    """A sweep meeting a failure already dead-lettered marks it alike: the record's input
    is what the fold gives the worker's dead-letter rule."""
    record = json.loads(
        journal.step_record(PAIR_ID, AT, Reexamine("scheduled retry", 2), None, [], None, None)
    )
    assert journal.read(record) == journal.Step(
        PAIR_ID, AT, {"type": "reexamine", "reason": "scheduled retry", "attempt": 2}, [],
        None, None, None)  # fmt: skip


def test_the_cli_folds_a_journal_file_and_says_what_it_could_not(tmp_path: Path) -> None:
    def run(records: list[dict[str, Any]]) -> Result:
        path = tmp_path / "journal.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n")
        args = ["replay", "--events", "--journal", str(path)]
        return CliRunner().invoke(main, [*args, "--env-file", str(tmp_path / "none.env")])

    whole = run(history().records)
    assert whole.exit_code == 0, whole.output
    assert "journal: 3 step(s) (0 of the old format), 0 intent(s)" in whole.output
    assert "1 unreadable; rebuilt 1 pair(s)" in whole.output
    tail = run(history().records[1:])
    assert tail.exit_code == 1
    assert "incomplete: pair 1:10001: it began before the journal's oldest record" in tail.output


def test_an_event_that_cannot_apply_is_diverged_not_a_crash() -> None:
    records = history().records
    records[0]["events"] = records[0]["events"][1:]  # Agreed on no pair: its fold raises
    rebuilt = folded(records)
    assert "do not apply" in rebuilt.diverged[PAIR_ID]
