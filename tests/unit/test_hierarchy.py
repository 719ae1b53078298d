"""The pure hierarchy decisions: the parent as carried, wait or under the parent's copy,
which markers and remote links prove a parent's counterpart, a sub-task's type."""

from __future__ import annotations

from pydantic import SecretStr

from streams.sync import hierarchy, markers
from streams.sync.fields import FieldMaps, canonical
from streams.sync.hierarchy import TopLevel, UnderParent, WaitForParent, parent_plan

SECRET = SecretStr("deployment-secret")
SUBTASK = {"name": "Sub-task", "subtask": True}


def signed(pair_id: str, site: int, issue_id: str, secret: SecretStr = SECRET) -> dict[str, object]:
    link = {"pair_id": pair_id, "site": site, "id": issue_id, "key": f"K-{issue_id}"}
    return markers.signed(link, markers.new_nonce(), secret)


def test_the_parent_is_read_with_the_childs_level_and_never_without_an_id() -> None:
    fields = {"parent": {"id": "10001", "key": "A-1"}, "issuetype": SUBTASK}
    assert canonical(1, fields, FieldMaps())["parent"] == {
        "id": "10001",
        "key": "A-1",
        "subtask": True,
    }
    story = {"parent": {"id": "7", "key": "A-7"}, "issuetype": {"name": "Story"}}
    assert canonical(2, story, FieldMaps())["parent"]["subtask"] is False
    assert canonical(1, {"parent": None, "summary": "x"}, FieldMaps())["parent"] is None
    assert hierarchy.parent_ref({"key": "A-1"}, SUBTASK) is None


def test_no_parent_is_top_level_a_known_copy_is_under_it_else_it_waits() -> None:
    parent = {"id": "10001", "key": "A-1", "subtask": True}
    assert parent_plan(None, None) == TopLevel()
    assert parent_plan(parent, "20007") == UnderParent("20007")
    assert parent_plan(parent, None) == WaitForParent("waiting for its parent A-1 to be synced")


def test_a_parent_copied_from_the_target_is_proved_by_its_signed_marker() -> None:
    assert hierarchy.copied_from(signed("2:500", 2, "500"), 2, SECRET) == "500"
    assert hierarchy.copied_from(signed("2:500", 2, "500"), 1, SECRET) is None  # other site
    forged = signed("2:500", 2, "500", SecretStr("someone else's"))
    assert hierarchy.copied_from(forged, 2, SECRET) is None
    unsigned = {"pair_id": "2:500", "site": 2, "id": "500"}
    assert hierarchy.copied_from(unsigned, 2, SECRET) is None
    assert hierarchy.copied_from("not a marker", 2, SECRET) is None


def test_a_copy_on_the_target_is_the_parents_only_with_its_pair_and_id() -> None:
    assert hierarchy.copy_of(signed("1:10001", 1, "10001"), 1, "10001", SECRET)
    assert not hierarchy.copy_of(signed("1:10002", 1, "10002"), 1, "10001", SECRET)
    assert not hierarchy.copy_of(signed("1:10001", 2, "10001"), 1, "10001", SECRET)
    forged = signed("1:10001", 1, "10001", SecretStr("guess"))
    assert not hierarchy.copy_of(forged, 1, "10001", SECRET)


def test_the_remote_link_names_the_other_key_or_proves_nothing() -> None:
    link = {"object": {"url": "https://b.example/browse/PROJ2-9", "title": "PROJ2-9"}}
    assert hierarchy.linked_key(link) == "PROJ2-9"
    assert hierarchy.names(link, "proj2-9")
    assert not hierarchy.names(link, "PROJ2-1")
    assert not hierarchy.names(None, "PROJ2-9")
    assert hierarchy.linked_key({"object": {"url": "https://b.example/x"}}) is None
    assert hierarchy.global_id(1, "10001") == "jira-sync:1:10001"


def test_a_sub_tasks_copy_gets_a_sub_task_type_of_the_target() -> None:
    assert hierarchy.subtask_type(2, "Sub-task", frozenset({"Sub-task"})) == ("Sub-task", None)
    chosen, problem = hierarchy.subtask_type(2, "Sub-task", frozenset({"Subtask"}))
    assert chosen == "Subtask"
    assert problem is not None
    assert "not a sub-task type on site 2" in problem
    assert hierarchy.subtask_type(2, "Sub-task", frozenset()) == ("Sub-task", None)


def test_a_refusal_about_the_parent_is_told_apart() -> None:
    assert hierarchy.refused_parent({"parentId": "Given parent work item does not belong"})
    assert hierarchy.refused_parent({"parent": "Could not find issue by id or key."})
    assert not hierarchy.refused_parent({"summary": "You must specify a summary"})
