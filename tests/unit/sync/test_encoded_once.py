"""A step encodes each pair state once (``PairState.to_bytes``) and hands the bytes to the
journal's digest, the pairs table and the sync-state topic: what they hold is exactly what
they held when each encoded the state itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from streams.state import IssueRef, PairState, PairStatus, SideMarker
from streams.sync import journal
from streams.sync.messages import Reexamine
from tests.unit.sync.test_durable_state import Topic, sinks

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
STATE = PairState(
    pair_id="1:10001",
    version=7,
    origin=1,
    site1=IssueRef(site=1, id="10001", key="PROJ1-1"),
    site2=IssueRef(site=2, id="20001", key="PROJ2-1"),
    status=PairStatus.SYNCED,
    base={"summary": "a summary", "labels": ["x", "y"]},
    markers={"1": SideMarker(updated="2026-12-02T05:59:00.000+0000", changelog_id=12)},
    recent_webhook_ids=["a", "b"],
    updated_at=NOW,
)
OTHER = STATE.model_copy(update={"version": 8, "base": {"summary": "another"}})


def test_a_digest_of_the_given_bytes_is_the_digest_of_the_state() -> None:
    assert journal.digest(STATE, STATE.to_bytes()) == journal.digest(STATE)
    assert journal.digest(None, None) is None
    assert journal.digest(OTHER, OTHER.to_bytes()) != journal.digest(STATE, STATE.to_bytes())


def test_a_step_record_with_the_encoded_state_is_the_same_record() -> None:
    message = Reexamine("scheduled retry", 2)
    args = ("1:10001", NOW, message, STATE, [], OTHER, None)
    given = journal.step_record(*args, OTHER.to_bytes())
    assert given == journal.step_record(*args)
    body = json.loads(given)
    assert (body["before"], body["after"]) == (journal.digest(STATE), journal.digest(OTHER))


def test_an_intent_record_with_the_encoded_state_is_the_same_record() -> None:
    given = journal.intent_record("1:10001", STATE, STATE.to_bytes())
    assert given == journal.intent_record("1:10001", STATE)
    assert json.loads(given)["digest"] == journal.digest(STATE)


async def test_publish_writes_the_given_bytes_to_the_table_and_the_topic() -> None:
    for encoded in (None, OTHER.to_bytes()):
        state_topic, table = Topic(), {}
        await sinks(state_topic, Topic()).publish(table, b"1:10001", OTHER, encoded)
        assert table[b"1:10001"] == OTHER.to_bytes()
        assert state_topic.sent == [OTHER.to_bytes()]
