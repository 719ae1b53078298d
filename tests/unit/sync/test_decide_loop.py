"""The step's loop, decide -> read -> decide: a decision that asks for fresh reads asks for
nothing else, and what it settles (its facts) is what the decision given the reads starts
with, so the engine drops nothing of it. Pure: ``decide`` called directly."""

from __future__ import annotations

import pytest

from streams.state import FieldConflict
from streams.sync.decision import Decision
from streams.sync.messages import CrossLink, Fetch, Reexamine, Resolve
from streams.sync.model import decide
from streams.sync.settled import ChangeSeen
from tests.unit.sync.test_model import CONFIG, T0, change, linked_pair, seen


def test_a_change_asking_for_reads_has_only_what_the_message_settles() -> None:
    message = change(1, minutes=2, actor=None, summary="New")  # not its side's view
    asking = decide(message, linked_pair(), CONFIG, T0)
    assert asking.reads == asking.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    [seen_fact] = asking.events  # the webhook seen: whatever the reads say
    assert isinstance(seen_fact, ChangeSeen)
    given = decide(
        message,
        linked_pair(),
        CONFIG,
        T0,
        {1: seen(1, summary="New"), 2: seen(2)},
    )
    assert given.reads == []
    assert given.events[: len(asking.events)] == asking.events
    assert len(given.events) > len(asking.events)  # the merge's facts come after


def test_a_retry_or_a_resolve_asking_for_reads_settles_nothing() -> None:
    pair = linked_pair()
    asking = decide(Reexamine("retry"), pair, CONFIG, T0)
    assert asking.reads == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    assert asking.events == []
    assert asking.state == pair
    conflict = FieldConflict(field="summary", site1="a", site2="b", detected_at=T0)
    conflicted = pair.model_copy(update={"conflicts": {"summary": conflict}})
    resolving = decide(Resolve(1, conflicted.sync_id), conflicted, CONFIG, T0)
    assert resolving.reads
    assert resolving.events == []
    assert resolving.state == conflicted


def test_a_decision_asking_for_reads_asks_for_nothing_else() -> None:
    with pytest.raises(ValueError, match="asks for nothing else"):
        Decision(linked_pair(), [Fetch(1, "PROJ1-1"), CrossLink(2)])
    assert Decision(linked_pair(), [CrossLink(2)]).reads == []
