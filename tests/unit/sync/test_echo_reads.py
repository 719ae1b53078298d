"""The changelog read in place of an echo that never came (pure, ``streams.sync.echo_reads``)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from streams.jira.models import ChangelogEntry
from streams.state import PairState
from streams.sync.echo_actions import ReadEchoes
from streams.sync.echo_reads import checked, from_history, overdue, reads_for
from streams.sync.events import fold
from streams.sync.facts import FieldsWritten
from streams.sync.messages import Reexamine, TransitionTo, WriteFields
from streams.sync.model import decide
from streams.sync.overwrites import EchoChecked
from streams.sync.retrying import SWEEP, needs_another_look
from streams.sync.running import EchoesRead
from tests.unit.sync.test_model import CONFIG, T0, linked_pair

OURS = {1: "sync-1", 2: "sync-2"}
SYNCING = dataclasses.replace(CONFIG, integration_accounts=OURS)
WINDOW = timedelta(minutes=15)


def written() -> PairState:
    """The sync wrote priority Highest over High on site 2; its echo is not seen."""
    fact = FieldsWritten(2, {"priority": "Highest"}, before={"priority": "High"})
    state = fold(linked_pair(), [fact], T0)
    assert state is not None
    return state


def entry(author: str, *items: dict[str, str]) -> ChangelogEntry:
    return ChangelogEntry.model_validate(
        {"id": author + str(len(items)), "author": {"accountId": author}, "items": list(items)}
    )


def priority(was: str, now: str) -> dict[str, str]:
    return {"field": "priority", "fieldId": "priority", "fromString": was, "toString": now}


def test_writes_unchecked_a_window_after_the_last_step_are_overdue() -> None:
    pair = written()
    assert not overdue(pair, pair.updated_at + WINDOW / 2, WINDOW)
    assert overdue(pair, pair.updated_at + WINDOW, WINDOW)
    assert needs_another_look(pair, pair.updated_at + WINDOW, WINDOW)
    assert not needs_another_look(pair)  # without a clock: what it picked before
    assert not overdue(linked_pair(), T0 + WINDOW * 9, WINDOW)  # nothing unchecked


def test_the_sweep_reads_the_history_of_each_side_with_unchecked_writes() -> None:
    pair = written()
    decision = decide(Reexamine(SWEEP), pair, SYNCING, T0)
    assert decision.actions == [ReadEchoes(2, "PROJ2-1", {"priority": ["High", "Highest"]})]
    assert reads_for(pair) == decision.actions
    assert decide(Reexamine("a retry"), pair, SYNCING, T0).actions != decision.actions


def test_the_newest_change_by_the_sync_account_is_the_echo() -> None:
    history = [
        entry("sync-2", priority("Low", "High")),
        entry("bob", priority("High", "Low")),  # Bob, before the sync's write
        entry("sync-2", priority("Low", "Highest")),
        entry("bob", {"field": "summary", "fieldId": "summary", "toString": "x"}),
    ]
    seen = from_history(2, history, "sync-2", SYNCING.maps)
    assert seen == {"priority": ["Low", "Highest"]}
    assert from_history(2, history, None, SYNCING.maps) == {}


def test_a_value_the_write_overwrote_is_put_back_and_every_belief_cleared() -> None:
    pair = written()
    action = ReadEchoes(2, "PROJ2-1", {"priority": ["High", "Highest"], "summary": ["a", "b"]})
    found = checked(action, EchoesRead({"priority": ["Low", "Highest"]}), SYNCING)
    [fact] = found.facts
    assert isinstance(fact, EchoChecked)
    assert (fact.fields, fact.lost, fact.before) == (
        ("priority", "summary"),  # summary's change not found: cleared all the same
        {"priority": "Low"},
        {"priority": "High"},
    )
    assert found.then == [WriteFields(2, "PROJ2-1", {"priority": "Low"}, restore=True)]
    after = fold(pair, list(found.facts), T0)
    assert after is not None
    assert after.believed == {}
    assert [w.code for w in after.warnings] == ["edit-overwritten"]


def test_a_history_from_what_was_read_confirms_the_write() -> None:
    action = ReadEchoes(2, "PROJ2-1", {"priority": ["High", "Highest"]})
    found = checked(action, EchoesRead({"priority": ["High", "Highest"]}), SYNCING)
    [fact] = found.facts
    assert isinstance(fact, EchoChecked)
    assert (fact.lost, found.then) == ({}, [])


def test_a_status_moved_over_is_put_back_by_a_move() -> None:
    action = ReadEchoes(2, "PROJ2-1", {"status": ["To Do", "In Progress"]})
    found = checked(action, EchoesRead({"status": ["In Review", "In Progress"]}), SYNCING)
    assert found.then == [TransitionTo(2, "PROJ2-1", "In Review", restore=True)]
