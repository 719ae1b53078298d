"""Enhanced search (``/rest/api/3/search/jql``): the JQL subset, paging, what JIRA refuses."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox import Faults, ManualClock, RunningSite
from tests.sandbox.conftest import Jira, StartSite

SEARCH = "/rest/api/3/search/jql"
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


@pytest.fixture
async def site(start_site: StartSite) -> RunningSite:
    """Search semantics without the index lag (it has its own test below)."""
    return await start_site(faults=Faults(search_lag=0.0))


async def _keys(jira: Jira, jql: str, **extra: object) -> list[str]:
    answer = await jira.post(SEARCH, {"jql": jql, "fields": ["summary"], **extra})
    assert answer.status == 200, answer.body
    return [issue["key"] for issue in answer.body["issues"]]


async def test_default_fields_are_id_only(jira: Jira) -> None:
    await jira.create()
    answer = await jira.post(SEARCH, {"jql": "project = PROJ1"})
    assert answer.body == {"issues": [{"id": "10000"}], "isLast": True}


async def test_requested_fields_and_properties(jira: Jira) -> None:
    key = await jira.create("Wanted")
    await jira.put(f"/rest/api/3/issue/{key}/properties/sync", {"v": 1})
    body = {"jql": f"key = {key}", "fields": ["summary", "status"], "properties": ["sync"]}
    issue = (await jira.post(SEARCH, body)).body["issues"][0]
    assert issue["key"] == key
    assert set(issue["fields"]) == {"summary", "status"}
    assert issue["properties"] == {"sync": {"v": 1}}


async def test_jql_subset(jira: Jira) -> None:
    for n in range(1, 6):
        await jira.create(f"Issue {n}", labels=["odd"] if n % 2 else ["even"])
    assert await _keys(jira, "key in (PROJ1-2, PROJ1-4) ORDER BY key ASC") == ["PROJ1-2", "PROJ1-4"]
    assert await _keys(jira, "project = PROJ1 AND labels = odd ORDER BY created ASC") == [
        "PROJ1-1",
        "PROJ1-3",
        "PROJ1-5",
    ]
    assert await _keys(jira, "project = PROJ1 ORDER BY key DESC") == [
        f"PROJ1-{n}" for n in range(5, 0, -1)
    ]
    assert await _keys(jira, "project = PROJ1 AND (key = PROJ1-1 OR key = PROJ1-5)") == [
        "PROJ1-5",
        "PROJ1-1",
    ]
    assert await _keys(jira, "project = PROJ1 AND status = 'To Do' AND NOT labels = odd") == [
        "PROJ1-4",
        "PROJ1-2",
    ]


async def test_updated_since_absolute_and_relative(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock(start=1_704_110_400.0)  # 2024-01-01 12:00 UTC
    running = await start_site(clock=clock, faults=Faults(search_lag=0.0))  # a still clock
    jira = Jira(session, running.base_url)
    await jira.create("Old")
    clock.advance(3600)
    await jira.create("New")
    after = await _keys(jira, 'project = PROJ1 AND updated >= "2024-01-01 12:30"')
    assert after == ["PROJ1-2"]
    assert await _keys(jira, "updated >= -15m") == ["PROJ1-2"]
    assert await _keys(jira, 'created >= "2024/01/01" ORDER BY updated ASC') == [
        "PROJ1-1",
        "PROJ1-2",
    ]
    await jira.put("/rest/api/3/issue/PROJ1-1", {"fields": {"summary": "Touched"}})
    assert await _keys(jira, "updated >= -15m ORDER BY updated DESC") == ["PROJ1-1", "PROJ1-2"]


async def test_pagination_over_many_pages_misses_and_repeats_nothing(
    jira: Jira, site: RunningSite
) -> None:
    site.emulator.seed_issues(23)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        body = {"jql": "project = PROJ1 ORDER BY key ASC", "maxResults": 5, "fields": ["summary"]}
        answer = await jira.post(SEARCH, body | ({"nextPageToken": token} if token else {}))
        pages += 1
        seen += [issue["key"] for issue in answer.body["issues"]]
        assert "total" not in answer.body
        if answer.body["isLast"]:
            assert "nextPageToken" not in answer.body
            break
        token = answer.body["nextPageToken"]
    assert pages == 5
    assert seen == [f"PROJ1-{n}" for n in range(1, 24)]


async def test_later_pages_show_their_issues_as_the_index_holds_them_then(
    jira: Jira, site: RunningSite
) -> None:
    """The next pages follow the first page's hits (each page costs its own issues), and
    show each as the index holds it when the page is asked for: edited or deleted since."""
    site.emulator.seed_issues(6)
    body = {"jql": "project = PROJ1 ORDER BY key ASC", "maxResults": 3, "fields": ["summary"]}
    first = await jira.post(SEARCH, body)
    assert [i["key"] for i in first.body["issues"]] == ["PROJ1-1", "PROJ1-2", "PROJ1-3"]
    answer = await jira.put("/rest/api/3/issue/PROJ1-4", {"fields": {"summary": "Edited"}})
    assert answer.status == 204, answer.body
    assert (await jira.delete("/rest/api/3/issue/PROJ1-5")).status == 204
    token = first.body["nextPageToken"]
    second = await jira.post(SEARCH, body | {"nextPageToken": token})
    shown = {i["key"]: i["fields"]["summary"] for i in second.body["issues"]}
    assert shown == {"PROJ1-4": "Edited", "PROJ1-6": "Seeded issue 6"}
    assert second.body["isLast"] is True


async def test_max_results_is_capped_at_100(jira: Jira, site: RunningSite) -> None:
    site.emulator.seed_issues(120)
    answer = await jira.post(SEARCH, {"jql": "project = PROJ1", "maxResults": 500})
    assert len(answer.body["issues"]) == 100
    assert answer.body["isLast"] is False
    default = await jira.post(SEARCH, {"jql": "project = PROJ1"})
    assert len(default.body["issues"]) == 50


async def test_get_variant(jira: Jira) -> None:
    key = await jira.create()
    answer = await jira.get(f"{SEARCH}?jql=project%20%3D%20PROJ1&fields=summary&maxResults=1")
    assert [issue["key"] for issue in answer.body["issues"]] == [key]


async def test_refusals(jira: Jira) -> None:
    await jira.create()
    cases = {
        "": UNBOUNDED,
        "ORDER BY key": UNBOUNDED,
        "project = NOPE": "The value 'NOPE' does not exist for the field 'project'.",
        "key = PROJ1-99": "An issue with key 'PROJ1-99' does not exist for field 'key'.",
        "colour = red": "Field 'colour' does not exist or you do not have permission to view it.",
    }
    for jql, message in cases.items():
        answer = await jira.post(SEARCH, {"jql": jql})
        assert (answer.status, answer.body["errorMessages"]) == (400, [message]), jql
    broken = await jira.post(SEARCH, {"jql": "project = "})
    assert broken.body["errorMessages"][0].startswith("Error in the JQL Query:")
    bad_token = await jira.post(SEARCH, {"jql": "project = PROJ1", "nextPageToken": "zzz"})
    assert bad_token.status == 400


async def test_the_old_search_is_gone(jira: Jira) -> None:
    for answer in (
        await jira.get("/rest/api/3/search?jql=project%3DPROJ1"),
        await jira.post("/rest/api/3/search", {"jql": "project = PROJ1"}),
    ):
        assert answer.status == 410
        assert answer.body["errorMessages"][0].startswith("The requested API has been removed.")


async def test_index_lag_hides_fresh_writes_unless_reconciled(
    jira: Jira, site: RunningSite
) -> None:
    site.emulator.faults = Faults(search_lag=0.2)
    key = await jira.create("Fresh")
    assert await _keys(jira, "project = PROJ1") == []
    reconciled = await _keys(jira, "project = PROJ1", reconcileIssues=[10000])
    assert reconciled == [key]
    await asyncio.sleep(0.25)
    assert await _keys(jira, "project = PROJ1") == [key]
