"""The status a new counterpart starts in: learned per kind, trusted for a while, dropped when
wrong; and the safety net, the sync's own ``issue_created`` found in a status the pair did not
agree."""

from __future__ import annotations

import dataclasses

from streams.sync.initial_status import InitialStatuses
from streams.sync.messages import TransitionTo
from streams.sync.model import decide
from tests.unit.sync.test_model import CONFIG, T0, change, fresh, linked_pair


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_kind_is_guessed_only_once_learned_and_only_for_an_issue_just_made() -> None:
    clock = Clock()
    initial = InitialStatuses(kept_for=600, clock=clock)
    initial.made(2, "PROJ2-1", "PROJ2", "Bug")
    assert initial.guess(2, "PROJ2-1") is None  # the first of its kind is read
    initial.learn(2, "PROJ2-1", "Backlog")
    initial.moved(2, "PROJ2-1")
    initial.made(2, "PROJ2-2", "PROJ2", "Bug")
    initial.made(2, "PROJ2-3", "PROJ2", "Task")
    assert initial.guess(2, "PROJ2-2") == "Backlog"
    assert initial.guess(2, "PROJ2-3") is None  # another issue type
    assert initial.guess(2, "PROJ2-1") is None  # moved: no longer new
    assert initial.guess(1, "PROJ2-2") is None  # another site
    initial.moved(2, "PROJ2-2")
    assert initial.guess(2, "PROJ2-2") is None  # moved: its status is no guess any more


def test_a_guess_goes_stale_and_a_wrong_one_is_dropped_for_its_kind() -> None:
    clock = Clock()
    initial = InitialStatuses(kept_for=600, clock=clock)
    initial.made(2, "PROJ2-1", "PROJ2", "Bug")
    initial.learn(2, "PROJ2-1", "Backlog")
    initial.made(2, "PROJ2-2", "PROJ2", "Bug")
    clock.now += 601
    assert initial.guess(2, "PROJ2-2") is None  # read again after ``kept_for``
    initial.learn(2, "PROJ2-2", "Backlog")
    initial.made(2, "PROJ2-3", "PROJ2", "Bug")
    initial.made(2, "PROJ2-4", "PROJ2", "Bug")
    assert initial.guess(2, "PROJ2-3") == "Backlog"
    initial.moved(2, "PROJ2-3")  # taken to be in "Backlog"; its echo says otherwise:
    initial.wrong(2, "PROJ2-3", "backlog")  # the guess, in another case, is no contradiction
    assert initial.guess(2, "PROJ2-4") == "Backlog"
    initial.wrong(2, "PROJ2-3", "Triage")  # the workflow's initial status changed
    assert initial.guess(2, "PROJ2-4") is None
    assert not initial.new(2, "PROJ2-3")
    assert initial.new(2, "PROJ2-4")
    initial.learn(2, "PROJ2-3", "Triage")  # its history read teaches the new one
    assert initial.guess(2, "PROJ2-4") == "Triage"


def test_the_syncs_own_create_found_elsewhere_is_moved_to_the_agreed_status_guarded() -> None:
    pair = linked_pair()  # both agreed "To Do"
    echo = change(2, minutes=2, kind="created", actor="bot-2", status="Backlog")
    decision = decide(echo, pair, CONFIG, T0, fresh(echo))
    assert decision.note == "made in another status"
    assert decision.actions == [TransitionTo(2, "PROJ2-1", "To Do", guarded=True)]


def test_the_syncs_own_create_in_the_agreed_status_is_an_echo() -> None:
    echo = change(2, minutes=2, kind="created", actor="bot-2")
    decision = decide(echo, linked_pair(), CONFIG, T0, fresh(echo))
    assert decision.actions == []
    assert decision.note == "echo"


def test_the_echo_of_a_create_the_sync_moved_from_its_initial_status_is_an_echo() -> None:
    pair = linked_pair().model_copy(update={"believed": {"2": {"status": ["Backlog", "To Do"]}}})
    echo = change(2, minutes=2, kind="created", actor="bot-2", status="Backlog")
    now = fresh(change(2, minutes=2, kind="created", actor="bot-2"))  # read: moved since
    decision = decide(echo, pair, CONFIG, T0, now)
    assert decision.actions == []
    assert decision.note != "made in another status"


def test_only_the_syncs_create_of_a_counterpart_with_status_sync_on_is_moved() -> None:
    pair = linked_pair()
    by_a_person = change(2, minutes=2, kind="created", status="Backlog")
    an_edit = change(2, minutes=2, actor="bot-2", status="Backlog")
    for event in (by_a_person, an_edit):
        assert decide(event, pair, CONFIG, T0, fresh(event)).note != "made in another status"
    echo = change(2, minutes=2, kind="created", actor="bot-2", status="Backlog")
    off = dataclasses.replace(CONFIG, sync_status=False)
    assert decide(echo, pair, off, T0, fresh(echo)).actions == []
    at_origin = change(1, minutes=2, kind="created", actor="bot-1", status="Backlog")
    moved = decide(at_origin, pair, CONFIG, T0, fresh(at_origin))
    assert moved.note != "made in another status"
