"""Following a move to another parent (pure): the other side moved under the new parent's
counterpart or out of its parent; a parent not synced, or a sub-task that would lose its
parent, is a warning and nothing moves; an echo is no move."""

from __future__ import annotations

from streams.sync.facts import Cleared, Warned
from streams.sync.parent_actions import ParentRead, SyncParent, WriteParent
from streams.sync.parent_facts import ParentsSeen
from streams.sync.parent_policy import after

MOVED = SyncParent(1, ("A-5", "B-5"))
EPIC = {"id": "10009", "key": "A-9", "subtask": False}


def test_a_move_is_followed_under_the_new_parents_counterpart() -> None:
    followed = after(MOVED, ParentRead(EPIC, ("20009", "B-9"), "20001", False))
    assert followed.then == [WriteParent(2, "B-5", "20009")]
    assert followed.facts[0] == ParentsSeen({"1": "10009"})


def test_the_other_side_there_already_is_seen_and_nothing_moves() -> None:
    followed = after(MOVED, ParentRead(EPIC, ("20009", "B-9"), "20009", False))
    assert followed.then == []
    assert ParentsSeen({"2": "20009"}) in followed.facts
    assert Cleared("parent-unsynced", "parent") in followed.facts


def test_out_of_its_epic_on_one_side_is_out_on_the_other_but_a_sub_task_keeps_its_own() -> None:
    assert after(MOVED, ParentRead(None, None, "20009", False)).then == [
        WriteParent(2, "B-5", None)
    ]
    kept = after(MOVED, ParentRead(None, None, "20009", True))
    assert kept.then == []
    assert any(isinstance(f, Warned) and f.code == "parent-unsynced" for f in kept.facts)


def test_a_new_parent_not_synced_moves_nothing_and_says_so() -> None:
    followed = after(MOVED, ParentRead(EPIC, None, "20001", False))
    assert followed.then == []
    [seen, warned] = followed.facts
    assert seen == ParentsSeen({"1": "10009"})
    assert isinstance(warned, Warned)
    assert "A-9" in warned.message
