"""A journal record over Kafka's 1 MB limit is trimmed to fit, never refused by the broker
with the pair's state behind it (issue 16, item 10b); what is left out is said, and a
replay reports it instead of guessing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from streams.state import PairState, PairStatus
from streams.sync import journal
from streams.sync.events import IssueObserved
from streams.sync.messages import IssueChanged, Reexamine
from streams.sync.replay import JournalFold

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
KAFKA_LIMIT = 1024 * 1024
MAX_RECORD_BYTES = 1_000_000  # what fits with the key and the batch overhead
PAIR = PairState(pair_id="1:10001", version=2, origin=1, status=PairStatus.PENDING, updated_at=NOW)


def seen(site: int, comments: int, body: str = "x" * 1000) -> IssueObserved:
    raw = {"summary": "s", "comment": {"comments": [{"body": body}] * comments}}
    return IssueObserved(1 if site == 1 else 2, "1", "PROJ-1", {"summary": "s"}, raw, NOW)


def step(*facts: IssueObserved, message: object = None) -> bytes:
    given = message if isinstance(message, IssueChanged) else Reexamine("sweep")
    return journal.step_record("1:10001", NOW, given, PAIR, list(facts), PAIR, None)


def test_a_record_that_fits_is_written_as_it_is() -> None:
    body = json.loads(step(seen(1, 2)))
    assert "trimmed" not in body
    assert body["events"][0]["fields"]["comment"]["comments"][0]["body"] == "x" * 1000


def test_the_largest_raw_fields_are_trimmed_until_the_record_fits() -> None:
    raw = step(seen(1, 1), seen(2, 1500), seen(1, 500))
    assert len(raw) <= MAX_RECORD_BYTES
    body = json.loads(raw)
    assert body["trimmed"]["bytes"] > KAFKA_LIMIT  # how large it was
    assert body["trimmed"]["dropped"] == "fields"
    small, largest, large = body["events"]
    assert small["fields"]["summary"] == "s"
    assert largest["fields"]["trimmed"] > 1_000_000
    assert len(largest["fields"]["sha256"]) == 32
    assert largest["values"] == {"summary": "s"}  # the canonical values stay
    assert "comment" in large["fields"]  # trimming stopped once the record fit
    assert (body["pair"], body["after"]) == ("1:10001", journal.digest(PAIR))


def test_a_record_too_large_without_raw_fields_loses_its_events_and_says_so() -> None:
    values = {f"cf:{n}": "y" * 1000 for n in range(1200)}
    change = IssueChanged(1, "updated", "10001", "PROJ1-1", {}, NOW, "w-9")
    big = IssueObserved(1, "10001", "PROJ1-1", values, {}, NOW)
    raw = journal.step_record("1:10001", NOW, change, PAIR, [big], PAIR, None)
    assert len(raw) <= MAX_RECORD_BYTES
    body = json.loads(raw)
    assert body["trimmed"]["dropped"] == "events"
    assert "events" not in body
    assert body["input"]["webhook_id"] == "w-9"  # the input stays when it fits
    fold = JournalFold()
    fold.take(json.loads(journal.intent_record("1:10001", PAIR)))
    fold.take(body)
    assert fold.rebuilt.incomplete == {"1:10001"}
    assert fold.rebuilt.diverged == {}


def test_an_input_too_large_keeps_only_its_type() -> None:
    change = IssueChanged(1, "updated", "10001", "PROJ1-1", {"description": "z" * 1_200_000})
    body = json.loads(step(message=change))
    assert body["trimmed"]["dropped"] == "events,input"
    assert body["input"]["type"] == "change"
    assert len(json.dumps(body)) <= MAX_RECORD_BYTES


def test_an_oversized_intent_fits_and_its_pair_is_incomplete() -> None:
    big = PAIR.model_copy(update={"pending_writes": {"2": {"description": "y" * 1_200_000}}})
    raw = journal.intent_record("1:10001", big)
    assert len(raw) <= MAX_RECORD_BYTES
    body = json.loads(raw)
    assert (body["trimmed"]["dropped"], body["digest"]) == ("state", journal.digest(big))
    fold = JournalFold()
    fold.take(body)
    assert fold.rebuilt.incomplete == {"1:10001"}
    assert fold.rebuilt.pairs == {}
