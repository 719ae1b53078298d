"""What the pair knows of its own writes no merge has seen yet (pure folds)."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.sync.events import fold
from streams.sync.facts import FieldsWritten, StatusReached
from streams.sync.settled import Merged
from tests.unit.sync import pairs

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def test_a_write_leaves_its_fields_unseen_on_its_side_until_a_merge() -> None:
    pair = pairs.synced(T0)
    written = fold(pair, [FieldsWritten(2, {"summary": "x"}), StatusReached(2, "Done")], T0)
    assert written is not None
    assert written.unseen_writes == {"2": ["resolution", "status", "summary"]}
    again = fold(written, [FieldsWritten(1, {"labels": ["a"]})], T0)
    assert again is not None
    assert again.unseen_writes == {"1": ["labels"], "2": ["resolution", "status", "summary"]}
    merged = fold(again, [Merged({1: T0, 2: T0}, {}, {})], T0)
    assert merged is not None
    assert merged.unseen_writes == {}
