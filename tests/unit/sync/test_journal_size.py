"""A journal record over Kafka's 1 MB limit is trimmed to fit, never refused by the broker
with the pair's state behind it (issue 16, item 10b)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from streams.state import PairState, PairStatus
from streams.sync import journal
from streams.sync.messages import Reexamine

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
KAFKA_LIMIT = 1024 * 1024
MAX_RECORD_BYTES = 1_000_000  # what fits with the key and the batch overhead
PAIR = PairState(pair_id="1:10001", version=2, origin=1, status=PairStatus.PENDING, updated_at=NOW)


def step(*answers: object) -> journal.StepRecord:
    record = journal.start("1:10001", Reexamine("sweep"), PAIR, {"catalogs": False}, NOW)
    for number, answer in enumerate(answers):
        path = f"/rest/api/3/issue/PROJ1-{number}/comment"
        record.exchanges.append({"site": 1, "method": "GET", "path": path, "answer": answer})
    record.after = journal.digest(PAIR)
    return record


def test_a_record_that_fits_is_written_as_it_is() -> None:
    record = step({"comments": [], "total": 0})
    body = json.loads(record.to_bytes())
    assert "trimmed" not in body
    assert body["exchanges"][0]["answer"] == {"comments": [], "total": 0}


def test_the_largest_answers_are_trimmed_until_the_record_fits() -> None:
    huge = {"comments": [{"id": str(n), "body": "x" * 1000} for n in range(1500)], "total": 1500}
    small = {"comments": [], "total": 0}
    raw = step(small, huge, huge).to_bytes()
    assert len(raw) <= MAX_RECORD_BYTES
    body = json.loads(raw)
    assert body["trimmed"] > KAFKA_LIMIT  # how large it was
    first, second, third = body["exchanges"]
    assert first["answer"] == small
    assert second["answer"]["trimmed"] > 1_000_000
    assert len(second["answer"]["sha256"]) == 32
    assert second["path"] == "/rest/api/3/issue/PROJ1-1/comment"  # the request stays
    assert third["answer"] == second["answer"]
    assert (body["pair"], body["after"]) == ("1:10001", journal.digest(PAIR))


def test_a_record_too_large_without_its_exchanges_keeps_its_skeleton() -> None:
    record = step()
    record.context = {"users": {f"user-{n}": "x" * 100 for n in range(20_000)}}
    raw = record.to_bytes()
    assert len(raw) <= MAX_RECORD_BYTES
    body = json.loads(raw)
    assert body["kind"] == "step"
    assert body["trimmed"] > 2_000_000
    assert "context" not in body


def test_an_oversized_intent_fits_too() -> None:
    big = PAIR.model_copy(update={"pending_writes": {"2": {"description": "y" * 1_200_000}}})
    assert len(journal.intent_record("1:10001", big)) <= MAX_RECORD_BYTES
