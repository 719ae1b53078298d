"""A status move trusted to start from the agreed status, checked by its echo (pure):
``SYNC_TRUST_AGREED_VALUES`` takes the target to hold the agreed status, the move posts
the transition learned from there, and the echo's changelog ``from`` says whether someone
moved the issue first (``streams.sync.overwrites``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from streams.jira.webhooks import Changelog
from streams.state import PairState
from streams.sync.events import fold
from streams.sync.facts import StatusReached
from streams.sync.fields import FieldMaps, NameMap
from streams.sync.messages import Fetch, IssueChanged, SiteNumber, TransitionTo
from streams.sync.model import decide
from streams.sync.overwrites import EchoChecked, StatusMovedSince, changelog_values
from streams.sync.policies import reached
from streams.sync.running import Moved
from tests.unit.sync import test_model
from tests.unit.sync.test_model import CONFIG, T0, linked_pair

OURS = {1: "sync-1", 2: "sync-2"}
TRUSTING = dataclasses.replace(CONFIG, trust_agreed=True, integration_accounts=OURS)


def change(site: SiteNumber, minutes: int = 2, **kw: Any) -> IssueChanged:
    made = test_model.change(site, minutes, **({"security": None} | kw))
    return dataclasses.replace(made, actor="alice")


def moved_on_2(before: str = "To Do") -> PairState:
    """The linked pair after the sync moved site 2 from ``before`` to In Progress."""
    state = fold(linked_pair(), [StatusReached(2, "In Progress", before=before)], T0)
    assert state is not None
    return state


def echo(was: str) -> IssueChanged:
    made = test_model.change(2, 3, status="In Progress", security=None)
    return dataclasses.replace(made, actor="sync-2", changelog={"status": [was, "In Progress"]})


def test_trusted_a_status_change_reads_nothing_and_moves_from_the_agreed_status() -> None:
    decision = decide(change(1, status="In Progress"), linked_pair(), TRUSTING, T0)
    assert decision.actions == [TransitionTo(2, "PROJ2-1", "In Progress", start="To Do")]
    untrusted = decide(change(1, status="In Progress"), linked_pair(), CONFIG, T0)
    assert untrusted.actions == [Fetch(2, "PROJ2-1")]


def test_a_move_with_an_unchecked_one_or_an_unwatched_field_reads_the_target() -> None:
    again = decide(change(1, status="In Review"), moved_on_2(), TRUSTING, T0)
    assert again.actions == [Fetch(2, "PROJ2-1")]  # the last move's echo is not seen yet
    resolved = change(1, status="In Progress", resolution="Done")  # set on a screen
    assert Fetch(2, "PROJ2-1") in decide(resolved, linked_pair(), TRUSTING, T0).actions


def test_one_transition_records_what_it_left_and_its_echo_confirms_it() -> None:
    pair = moved_on_2()
    assert pair.believed == {"2": {"status": ["To Do", "In Progress"]}}
    seen = decide(echo("To Do"), pair, TRUSTING, T0)
    [checked] = [fact for fact in seen.events if isinstance(fact, EchoChecked)]
    assert (checked.fields, checked.lost) == (("status",), {})
    assert seen.actions == []
    assert seen.state is not None
    assert seen.state.believed == {}


def test_a_status_someone_set_before_the_move_is_put_back_without_agreeing() -> None:
    decision = decide(echo("In Review"), moved_on_2(), TRUSTING, T0)
    assert decision.actions == [TransitionTo(2, "PROJ2-1", "In Review", restore=True)]
    state = decision.state
    assert state is not None
    assert state.base["status"] == "To Do"  # both sides moved since: the merge decides
    assert [w.code for w in state.warnings] == ["edit-overwritten"]
    put_back = reached(
        TransitionTo(2, "PROJ2-1", "In Review", restore=True),
        Moved(None, None, "In Progress"),
        FieldMaps(),
    )
    [fact] = [f for f in put_back.facts if isinstance(f, StatusReached)]
    assert (fact.before, fact.agreed) == (None, False)
    restored = fold(state, [fact], T0)
    assert restored is not None
    assert restored.base["status"] == "To Do"
    assert restored.believed == {}


def test_a_move_of_one_transition_names_the_status_it_left_canonically() -> None:
    maps = FieldMaps(statuses=NameMap({"To Do": "Open"}))
    done = reached(TransitionTo(2, "PROJ2-1", "In Progress"), Moved(None, None, "Open"), maps)
    [fact] = [f for f in done.facts if isinstance(f, StatusReached)]
    assert (fact.before, fact.agreed) == ("To Do", True)
    walked = reached(TransitionTo(2, "PROJ2-1", "Done"), Moved(None, None), maps)
    [fact] = [f for f in walked.facts if isinstance(f, StatusReached)]
    assert fact.before is None  # a walk of several: its echoes are not checked


def test_status_items_read_back_as_canonical_names() -> None:
    maps = FieldMaps(statuses=NameMap({"To Do": "Open"}))
    items = [{"field": "status", "fieldId": "status", "fromString": "Open", "toString": "Done"}]
    changelog = Changelog.model_validate({"items": items})
    assert changelog_values(2, changelog, maps) == {"status": ["To Do", "Done"]}


def test_a_move_someone_made_first_warns_on_the_status() -> None:
    state = fold(linked_pair(), [StatusMovedSince(2, "In Review")], T0)
    assert state is not None
    [warning] = state.warnings
    assert (warning.code, warning.field) == ("status-moved-since", "status")
    assert "In Review" in warning.message
