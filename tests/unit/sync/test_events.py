"""The event contract: a registered event round-trips through its JSON form and folds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from streams.state import IssueRef, PairState, PairStatus
from streams.sync import events
from streams.sync.events import PairEvent, event

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@event
@dataclass(frozen=True)
class Renamed(PairEvent):  # a test-only fact
    side: IssueRef
    when: datetime

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        assert pair is not None
        return pair.model_copy(update={"site1": self.side, "updated_at": at})


def test_an_event_round_trips_through_its_json_form() -> None:
    fact = Renamed(IssueRef(site=1, id="10001", key="A-1"), AT)
    record = events.encode(fact)
    assert record["type"] == "Renamed"
    assert events.decode(record) == fact


def test_unknown_and_malformed_records_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not a pair event"):
        events.decode({"type": "NoSuchFact"})
    with pytest.raises(ValueError, match="malformed Renamed"):
        events.decode({"type": "Renamed", "side": "not a ref"})


def test_fold_applies_each_fact_in_order() -> None:
    pair = PairState(
        pair_id="1:10001", version=1, origin=1, status=PairStatus.PENDING, updated_at=AT
    )
    first = Renamed(IssueRef(site=1, id="10001", key="A-1"), AT)
    second = Renamed(IssueRef(site=1, id="10001", key="A-2"), AT)
    folded = events.fold(pair, [first, second], AT)
    assert folded is not None
    assert folded.site1 is not None
    assert folded.site1.key == "A-2"
