"""The everyday calls of scripts written with the popular JIRA clients (pycontribs
``jira``, ``jira.js``, ``go-jira``): each answers 200 with a body that validates against
Atlassian's REST v3 description, and lookups of what does not exist answer 404."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import SiteConfig
from sandbox.contract import OpenApiContract
from tests.sandbox.conftest import Jira, basic

EVERYDAY = (
    "/rest/api/3/project",
    "/rest/api/3/project?expand=description,lead,issueTypes",
    "/rest/api/3/project/search",
    "/rest/api/3/project/search?keys=PROJ1&query=proj&maxResults=10",
    "/rest/api/3/project/PROJ1",
    "/rest/api/3/project/10000",
    "/rest/api/3/project/PROJ1/statuses",
    "/rest/api/3/project/PROJ1/components",
    "/rest/api/3/project/PROJ1/versions",
    "/rest/api/3/issuetype",
    "/rest/api/3/issuetype/10001",
    "/rest/api/3/issuetype/project?projectId=10000",
    "/rest/api/3/status",
    "/rest/api/3/status/10001",
    "/rest/api/3/status/In%20Progress",
    "/rest/api/3/statuscategory",
    "/rest/api/3/resolution",
    "/rest/api/3/resolution/10000",
    "/rest/api/3/resolution/search",
    "/rest/api/3/priority",
    "/rest/api/3/priority/3",
    "/rest/api/3/issueLinkType",
    "/rest/api/3/field",
    "/rest/api/3/myself",
    "/rest/api/3/serverInfo",
    "/rest/api/3/user?accountId=712020:alice-0001",
    "/rest/api/3/user/search?query=alice",
    "/rest/api/3/issue/createmeta/PROJ1/issuetypes",
    "/rest/api/3/issue/createmeta/PROJ1/issuetypes/10001",
)


def _checked(contract: OpenApiContract, path: str, status: int, body: Any) -> list[str]:
    return contract.check_response("GET", path.split("?")[0], status, body)


@pytest.mark.parametrize("path", EVERYDAY)
async def test_an_everyday_call_answers_as_the_description_says(
    jira: Jira, contract: OpenApiContract, path: str
) -> None:
    answer = await jira.get(path)
    assert answer.status == 200, answer.body
    assert _checked(contract, path, 200, answer.body) == []


async def test_the_project_lists_name_the_site_projects(flat_jira: Jira) -> None:
    jira = flat_jira
    listed = (await jira.get("/rest/api/3/project")).body
    assert [(p["key"], p["id"]) for p in listed] == [("PROJ1", "10000"), ("OTHER", "10001")]
    assert "issueTypes" not in listed[0]
    expanded = (await jira.get("/rest/api/3/project?expand=issueTypes")).body
    assert [t["name"] for t in expanded[0]["issueTypes"]] == ["Task", "Bug", "Story"]
    page = (await jira.get("/rest/api/3/project/search")).body
    assert (page["total"], page["isLast"], [p["key"] for p in page["values"]]) == (
        2,
        True,
        ["PROJ1", "OTHER"],
    )
    for miss in ("keys=NOPE", "query=nothing-like-it"):
        none = (await jira.get(f"/rest/api/3/project/search?{miss}")).body
        assert (none["total"], none["values"]) == (0, [])
    assert (await jira.get("/rest/api/3/project/search?startAt=2")).body["values"] == []


async def test_lookups_follow_the_site(flat_jira: Jira) -> None:
    jira = flat_jira
    statuses = (await jira.get("/rest/api/3/status")).body
    expected = ["To Do", "In Progress", "In Review", "Done", "Escalated"]
    assert [s["name"] for s in statuses] == expected
    per_type = (await jira.get("/rest/api/3/project/PROJ1/statuses")).body
    assert [t["name"] for t in per_type] == ["Task", "Bug", "Story"]
    assert per_type[0]["statuses"] == statuses
    names = [r["name"] for r in (await jira.get("/rest/api/3/resolution")).body]
    assert names == list(SiteConfig().resolutions)  # the site's own, from the catalog
    searched = (await jira.get("/rest/api/3/resolution/search?id=10001")).body
    assert [r["id"] for r in searched["values"]] == ["10001"]
    links = (await jira.get("/rest/api/3/issueLinkType")).body["issueLinkTypes"]
    assert {t["name"] for t in links} == {"Blocks", "Cloners", "Duplicate", "Relates"}
    alice = (await jira.get("/rest/api/3/user?accountId=712020:alice-0001")).body
    assert alice["displayName"] == "Alice Visible"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/rest/api/3/issuetype/99999", 404),
        ("/rest/api/3/issuetype/project?projectId=42", 404),
        ("/rest/api/3/issuetype/project", 400),
        ("/rest/api/3/status/Nope", 404),
        ("/rest/api/3/resolution/99999", 404),
        ("/rest/api/3/priority/99", 404),
        ("/rest/api/3/project/NOPE/statuses", 404),
        ("/rest/api/3/user?accountId=712020:nobody", 404),
        ("/rest/api/3/user", 404),
    ],
)
async def test_what_does_not_exist_is_refused_as_jira_words_it(
    jira: Jira, contract: OpenApiContract, path: str, status: int
) -> None:
    answer = await jira.get(path)
    assert answer.status == status
    assert answer.body["errorMessages"]
    assert _checked(contract, path, status, answer.body) == []


async def test_the_lookups_need_credentials(jira: Jira) -> None:
    refused = await jira.get("/rest/api/3/project", authorization=basic("nobody", "nothing"))
    assert refused.status == 401
    alice = basic("alice@example.com", "alice-token")
    assert (await jira.get("/rest/api/3/status", authorization=alice)).status == 200
