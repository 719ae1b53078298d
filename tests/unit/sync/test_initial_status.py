"""The status a new counterpart starts in: learned per kind, trusted for a while, dropped when
wrong; and the pair's record of a status taken, not read (``streams.sync.assumed``): the first
sight of that side's status confirms it, or moves the side (guarded), never the origin."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from streams.state import PairState
from streams.sync.assumed import StatusSeen
from streams.sync.events import fold
from streams.sync.facts import StatusReached
from streams.sync.fields import FieldMaps
from streams.sync.initial_status import InitialStatuses
from streams.sync.messages import Fetch, Reexamine, TransitionTo, WriteFields
from streams.sync.model import decide
from streams.sync.overwrites import StatusMovedSince
from streams.sync.policies import after, reached
from streams.sync.retrying import SWEEP, needs_another_look
from streams.sync.running import Moved, StatusHistory
from tests.unit.sync.test_model import CONFIG, T0, change, fresh, linked_pair, seen


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


CHECK = TransitionTo(2, "PROJ2-1", "To Do", guarded=True, checks=True)  # the guarded move


def assumed_pair(resolution: str | None = None) -> PairState:
    """The linked pair whose counterpart (site 2) was taken, not read, to start in "To Do"."""
    pair = linked_pair()
    if resolution is not None:
        pair = pair.model_copy(update={"base": {**pair.base, "resolution": resolution}})
    state = fold(pair, [StatusReached(2, "To Do", resolution, assumed=True)], T0)
    assert state is not None
    assert state.assumed_status == ["2"]
    return state


def moves_to(site: int, actions: list[object]) -> list[TransitionTo]:
    return [a for a in actions if isinstance(a, TransitionTo) and a.site == site]


def test_a_move_taken_not_read_is_recorded_and_a_real_one_clears_it() -> None:
    made = reached(
        TransitionTo(2, "PROJ2-1", "To Do", guarded=True),
        Moved(None, None, None, True),
        FieldMaps(),
    )
    [status, *_] = made.facts
    assert isinstance(status, StatusReached)
    assert (status.site, status.status, status.assumed) == (2, "To Do", True)
    moved = fold(assumed_pair(), [StatusReached(2, "In Progress")], T0)
    assert moved is not None
    assert moved.assumed_status == []


def test_the_counterparts_own_create_in_the_agreed_status_confirms_it() -> None:
    echo = change(2, minutes=2, kind="created", actor="bot-2")
    decision = decide(echo, assumed_pair(), CONFIG, T0, fresh(echo))
    assert StatusSeen(2) in decision.events
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.assumed_status == []


def test_a_status_taken_wrongly_is_moved_on_its_side_with_the_agreed_resolution() -> None:
    echo = change(2, minutes=2, kind="created", actor="bot-2", status="Backlog")
    pair = assumed_pair(resolution="Fixed")
    decision = decide(echo, pair, CONFIG, T0, fresh(echo, resolution="Fixed"))
    assert decision.actions == [
        TransitionTo(2, "PROJ2-1", "To Do", guarded=True, resolution="Fixed", checks=True)
    ]
    assert decision.state is not None
    assert decision.state.base["status"] == "To Do"
    assert decision.state.assumed_status == ["2"]  # until the guarded move says where it is


def test_a_later_webhook_first_shows_it_and_the_origin_never_gets_that_status() -> None:
    """The create's own echo was dropped as stale (a later webhook of that issue came first,
    JIRA does not order them): a person's edit there shows the status the create left."""
    edit = change(2, minutes=3, status="Backlog", summary="Printer on fire, again")
    decision = decide(edit, assumed_pair(), CONFIG, T0, fresh(edit))
    assert moves_to(1, decision.actions) == []
    writes = [a.values for a in decision.actions if isinstance(a, WriteFields)]
    assert writes == [{"summary": "Printer on fire, again"}]  # to the origin, nothing else
    assert [a.site for a in decision.actions if isinstance(a, WriteFields)] == [1]
    assert moves_to(2, decision.actions) == [
        TransitionTo(2, "PROJ2-1", "To Do", guarded=True, checks=True)
    ]
    assert decision.state is not None
    assert decision.state.base["status"] == "To Do"


def test_a_read_first_shows_it_too_and_a_move_the_merge_makes_there_is_guarded() -> None:
    edit = change(1, minutes=3, summary="Printer on fire, again")
    reads = {1: seen(1, 3, summary="Printer on fire, again"), 2: seen(2, 3, status="Backlog")}
    decision = decide(edit, assumed_pair(), CONFIG, T0, reads)
    assert moves_to(1, decision.actions) == []
    assert moves_to(2, decision.actions) == [
        TransitionTo(2, "PROJ2-1", "To Do", guarded=True, checks=True)
    ]
    moved = change(1, minutes=3, status="Done")
    both = {1: seen(1, 3, status="Done"), 2: seen(2, 3, status="Backlog")}
    decision = decide(moved, assumed_pair(), CONFIG, T0, both)
    [move] = moves_to(2, decision.actions)  # the merge's, guarded: someone may have moved it
    assert (move.status, move.guarded, move.checks, move.start) == ("Done", True, True, None)
    assert moves_to(1, decision.actions) == []


def test_a_retry_read_shows_it_and_the_sweep_reads_a_side_no_webhook_showed() -> None:
    pair = assumed_pair()
    retry = Reexamine(pair.pair_id, SWEEP)
    assert decide(retry, pair, CONFIG, T0).actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    reads = {1: seen(1, 3), 2: seen(2, 3, status="Backlog")}
    decision = decide(retry, pair, CONFIG, T0, reads)
    assert moves_to(1, decision.actions) == []
    assert moves_to(2, decision.actions) == [
        TransitionTo(2, "PROJ2-1", "To Do", guarded=True, checks=True)
    ]
    window = timedelta(minutes=5)
    assert not needs_another_look(pair, pair.updated_at + timedelta(minutes=4), window)
    assert needs_another_look(pair, pair.updated_at + window, window)
    assert not needs_another_look(linked_pair(), pair.updated_at + window, window)


def test_while_assumed_a_trusted_write_reads_the_side_first() -> None:
    trusting = dataclasses.replace(CONFIG, trust_agreed=True)
    edit = dataclasses.replace(change(1, minutes=3, summary="New", security=None), actor="alice")
    pair = assumed_pair()
    marker = pair.markers.get("1")
    if marker is not None:  # the webhook must be provably newer than the pair's last sight
        update = {"updated": (T0 - timedelta(minutes=5)).isoformat()}
        pair = pair.model_copy(
            update={"markers": {**pair.markers, "1": marker.model_copy(update=update)}}
        )
    assert Fetch(2, "PROJ2-1") in decide(edit, pair, trusting, T0).actions


def test_someone_elses_move_found_by_the_check_is_merged_again_as_a_change_there() -> None:
    """The first sight was a person's move (their webhook came before the create's own):
    not kept as if the agreed status were reached, but merged again with the flag off."""
    move = TransitionTo(2, "PROJ2-1", "To Do", guarded=True, checks=True)
    history = StatusHistory("In Review", ["alice"])
    followed = after(move, history, CONFIG, T0)
    assert followed.facts == [StatusSeen(2), StatusMovedSince(2, "In Review")]
    assert followed.then == []
    state = fold(assumed_pair(), followed.facts, T0)
    assert state is not None
    assert state.assumed_status == []
    retry = Reexamine(state.pair_id, "an edit overwritten")
    reads = {1: seen(1, 3), 2: seen(2, 3, status="In Review")}
    merged = decide(retry, state, CONFIG, T0, reads)
    assert [(m.site, m.status) for m in moves_to(1, merged.actions)] == [(1, "In Review")]
    unchecked = after(TransitionTo(2, "PROJ2-1", "To Do", guarded=True), history, CONFIG, T0)
    assert not any(isinstance(f, StatusMovedSince) for f in unchecked.facts)  # as before
    nobody = after(move, StatusHistory("Backlog", []), CONFIG, T0)
    assert nobody.then == [dataclasses.replace(move, guarded=False, start="Backlog")]


def test_no_move_is_added_once_the_pair_has_stopped() -> None:
    pair = assumed_pair()
    retry = Reexamine(pair.pair_id, SWEEP)
    gone = {1: seen(1, 3, exists=False), 2: seen(2, 3, status="Backlog")}
    decision = decide(retry, pair, CONFIG, T0, gone)
    assert decision.state is not None
    assert decision.state.status.value == "unreachable"
    assert moves_to(2, decision.actions) == []
