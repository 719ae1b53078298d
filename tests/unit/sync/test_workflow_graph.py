"""The learned workflow graph (pure): which transition a move from a known status posts."""

from __future__ import annotations

from streams.jira.models import Transition
from streams.sync.transitions import WorkflowGraph


def transition(tid: str, to: str) -> Transition:
    return Transition.model_validate({"id": tid, "name": to, "to": {"id": tid, "name": to}})


def test_a_direct_learned_exit_is_the_transition_posted() -> None:
    graph = WorkflowGraph()
    graph.learn("To Do", [transition("11", "In Progress"), transition("21", "Done")])
    assert graph.known("to do", "In Progress") == transition("11", "In Progress")
    assert graph.known("To Do", "done") == transition("21", "Done")


def test_the_first_hop_of_a_learned_path_is_posted() -> None:
    graph = WorkflowGraph()
    graph.learn("To Do", [transition("11", "In Progress")])
    graph.learn("In Progress", [transition("31", "Done")])
    assert graph.known("To Do", "Done") == transition("11", "In Progress")


def test_nothing_is_known_from_a_status_never_listed_or_towards_an_unknown_one() -> None:
    graph = WorkflowGraph()
    graph.learn("To Do", [transition("11", "In Progress")])
    assert graph.known("In Progress", "To Do") is None
    assert graph.known("To Do", "Shipped") is None
