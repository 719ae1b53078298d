"""Hierarchy as JIRA Cloud enforces it: a sub-task needs a standard parent, a standard
issue may sit under an epic, a parent one level off is refused; ``fields.parent`` and
``fields.subtasks`` show it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.sandbox.conftest import Jira, StartSite

ISSUE = "/rest/api/3/issue"


@pytest.fixture
async def jira(start_site: StartSite, session: aiohttp.ClientSession) -> Jira:
    running = await start_site(epic_types=("Epic",), subtask_types=("Sub-task",))
    return Jira(session, running.base_url)


def fields(kind: str, summary: str, **more: Any) -> dict[str, Any]:
    return {"fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": kind},
                       "summary": summary} | more}  # fmt: skip


async def test_the_types_carry_their_level(jira: Jira) -> None:
    types = {t["name"]: t for t in (await jira.get("/rest/api/3/issuetype")).body}
    assert (types["Sub-task"]["subtask"], types["Sub-task"]["hierarchyLevel"]) == (True, -1)
    assert (types["Epic"]["subtask"], types["Epic"]["hierarchyLevel"]) == (False, 1)
    assert (types["Task"]["subtask"], types["Task"]["hierarchyLevel"]) == (False, 0)


async def test_a_sub_task_without_parent_is_refused_as_jira_words_it(jira: Jira) -> None:
    answer = await jira.post(ISSUE, fields("Sub-task", "orphan"))
    assert (answer.status, answer.body["errors"]) == (
        400,
        {"issuetype": "Issue type is a sub-task but parent issue key or id not specified."},
    )
    bad = await jira.post(ISSUE, fields("Sub-task", "x", parent="PROJ1-1"))
    assert (bad.status, bad.body["errors"]) == (400, {"parent": "data was not an object"})
    missing = await jira.post(ISSUE, fields("Sub-task", "x", parent={"key": "PROJ1-99"}))
    assert missing.body["errors"] == {"parent": "Could not find issue by id or key."}


async def test_a_sub_task_under_its_parent_both_ways(jira: Jira) -> None:
    parent = await jira.create("parent")
    created = await jira.post(ISSUE, fields("Sub-task", "child", parent={"key": parent}))
    assert created.status == 201, created.body
    child = created.body["key"]
    shown = (await jira.get(f"{ISSUE}/{child}?fields=parent")).body["fields"]["parent"]
    assert (shown["key"], shown["fields"]["summary"]) == (parent, "parent")
    subtasks = (await jira.get(f"{ISSUE}/{parent}?fields=subtasks")).body["fields"]["subtasks"]
    assert [s["key"] for s in subtasks] == [child]
    assert (await jira.delete(f"{ISSUE}/{child}")).status == 204
    assert (await jira.get(f"{ISSUE}/{parent}?fields=subtasks")).body["fields"]["subtasks"] == []


async def test_a_parent_one_level_off_is_refused(jira: Jira) -> None:
    epic = (await jira.post(ISSUE, fields("Epic", "epic"))).body["key"]
    story = await jira.post(ISSUE, fields("Story", "story", parent={"key": epic}))
    assert story.status == 201, story.body
    under_epic = (await jira.get(f"{ISSUE}/{story.body['key']}?fields=parent")).body
    assert under_epic["fields"]["parent"]["key"] == epic
    wrong = "Given parent work item does not belong to appropriate hierarchy"
    for kind, parent in (("Sub-task", epic), ("Epic", epic), ("Task", story.body["key"])):
        answer = await jira.post(ISSUE, fields(kind, "x", parent={"key": parent}))
        assert (answer.status, answer.body["errors"]) == (400, {"parentId": wrong}), kind
    top = (await jira.get(f"{ISSUE}/{epic}?fields=parent,subtasks")).body["fields"]
    assert (top["parent"], top["subtasks"]) == (None, [])


async def test_an_edit_moves_an_issue_to_another_epic_with_one_changelog_item(jira: Jira) -> None:
    first = (await jira.post(ISSUE, fields("Epic", "first"))).body
    second = (await jira.post(ISSUE, fields("Epic", "second"))).body
    story = (await jira.post(ISSUE, fields("Story", "story", parent={"key": first["key"]}))).body
    moved = await jira.put(
        f"{ISSUE}/{story['key']}", {"fields": {"parent": {"key": second["key"]}}}
    )
    assert moved.status == 204, moved.body
    shown = (await jira.get(f"{ISSUE}/{story['key']}?fields=parent")).body["fields"]["parent"]
    assert shown["key"] == second["key"]
    last = (await jira.get(f"{ISSUE}/{story['key']}/changelog")).body["values"][-1]["items"]
    assert last == [
        {"field": "IssueParentAssociation", "fieldtype": "jira", "from": first["id"],
         "fromString": first["key"], "to": second["id"], "toString": second["key"]}
    ]  # fmt: skip
    out = await jira.put(f"{ISSUE}/{story['key']}", {"fields": {"parent": None}})
    assert out.status == 204
    assert (await jira.get(f"{ISSUE}/{story['key']}?fields=parent")).body["fields"][
        "parent"
    ] is None
    task = await jira.create("task")
    sub = (await jira.post(ISSUE, fields("Sub-task", "sub", parent={"key": task}))).body["key"]
    kept = await jira.put(f"{ISSUE}/{sub}", {"fields": {"parent": None}})
    assert kept.body["errors"] == {
        "issuetype": "Issue type is a sub-task but parent issue key or id not specified."
    }
