"""The retry agent's input: a malformed or hostile retry record is refused (dead-lettered by
the agent) instead of crashing it, and no record holds its partition longer than the cap."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from streams.jira.errors import MAX_RETRY_AFTER
from streams.sync.guards import parse_retry_record
from streams.sync.messages import Reexamine

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def record(**fields: object) -> bytes:
    base: dict[str, object] = {"reason": "HTTP 503", "attempt": 2, "due": NOW.isoformat()}
    return json.dumps(base | fields).encode()


def test_a_due_record_is_read_with_its_wait() -> None:
    due = (NOW + timedelta(seconds=30)).isoformat()
    assert parse_retry_record(record(due=due), NOW) == (Reexamine("HTTP 503", 2), 30.0)
    past = (NOW - timedelta(hours=1)).isoformat()
    assert parse_retry_record(record(due=past), NOW)[1] == 0.0


def test_a_record_due_far_ahead_waits_at_most_the_cap() -> None:
    far = datetime(9999, 1, 1, tzinfo=UTC).isoformat()
    assert parse_retry_record(record(due=far), NOW)[1] == MAX_RETRY_AFTER


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b"[1, 2]",
        b"42",
        b"null",
        record(due="2026-11-26T12:00:00"),  # naive: cannot be compared with now
        record(due="tomorrow"),
        record(due=None),
        b'{"reason": "x", "attempt": Infinity, "due": "2026-11-26T12:00:00+00:00"}',
        record(attempt="many"),
        record(attempt=-3),
        json.dumps({"reason": "x", "due": NOW.isoformat()}).encode(),
    ],
)
def test_malformed_records_are_refused_with_a_value_error(value: bytes) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_retry_record(value, NOW)
