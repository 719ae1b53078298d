"""Workflows: the default (global transitions, resolution set on Done) and a strict one."""

from __future__ import annotations

import aiohttp

from tests.sandbox.conftest import Jira, StartSite

ISSUE = "/rest/api/3/issue"


async def _strict(start_site: StartSite, session: aiohttp.ClientSession) -> Jira:
    running = await start_site(workflow="strict")
    return Jira(session, running.base_url)


async def _transitions(jira: Jira, key: str) -> dict[str, str]:
    answer = await jira.get(f"{ISSUE}/{key}/transitions")
    assert answer.status == 200
    return {t["to"]["name"]: t["id"] for t in answer.body["transitions"]}


async def _status(jira: Jira, key: str) -> tuple[str, str | None]:
    fields = (await jira.get(f"{ISSUE}/{key}?fields=status,resolution")).body["fields"]
    resolution = fields["resolution"]["name"] if fields["resolution"] else None
    return fields["status"]["name"], resolution


async def test_default_workflow_goes_anywhere_and_back(jira: Jira) -> None:
    key = await jira.create()
    assert await _transitions(jira, key) == {"In Progress": "21", "In Review": "31", "Done": "41"}
    for target in ("In Progress", "In Review", "To Do", "Done", "In Progress"):
        transition = (await _transitions(jira, key))[target]
        answer = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": transition}})
        assert answer.status == 204
        assert (await _status(jira, key))[0] == target


async def test_default_workflow_resolves_on_done_and_clears_on_reopen(jira: Jira) -> None:
    key = await jira.create()
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "41"}})
    assert await _status(jira, key) == ("Done", "Done")
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    assert await _status(jira, key) == ("To Do", None)
    history = (await jira.get(f"{ISSUE}/{key}/changelog")).body["values"]
    assert [sorted(i["field"] for i in h["items"]) for h in history] == [
        ["resolution", "status"],
        ["resolution", "status"],
    ]


async def test_unknown_or_unavailable_transition_is_400(jira: Jira) -> None:
    key = await jira.create()
    for transition in ("11", "999"):
        answer = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": transition}})
        assert answer.status == 400
        assert answer.body["errorMessages"] == [
            f"Transition id '{transition}' is not valid for this issue."
        ]


async def test_default_transitions_have_no_screen(jira: Jira) -> None:
    key = await jira.create()
    body = {"transition": {"id": "41"}, "fields": {"resolution": {"name": "Won't Do"}}}
    answer = await jira.post(f"{ISSUE}/{key}/transitions", body)
    assert answer.status == 400
    assert "resolution" in answer.body["errors"]


async def test_strict_workflow_has_no_shortcut_to_done(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _strict(start_site, session)
    key = await jira.create()
    assert await _transitions(jira, key) == {"In Progress": "11"}
    direct = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "61"}})
    assert direct.status == 400
    assert await _status(jira, key) == ("To Do", None)


async def test_strict_done_requires_resolution(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _strict(start_site, session)
    key = await jira.create()
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    assert await _transitions(jira, key) == {"To Do": "21", "In Review": "31", "Done": "61"}
    bare = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "61"}})
    assert bare.status == 400
    assert bare.body["errors"] == {"resolution": "Resolution is required."}
    body = {"transition": {"id": "61"}, "fields": {"resolution": {"name": "Won't Do"}}}
    assert (await jira.post(f"{ISSUE}/{key}/transitions", body)).status == 204
    assert await _status(jira, key) == ("Done", "Won't Do")
    assert await _transitions(jira, key) == {"To Do": "71"}


async def test_transition_fields_are_described_on_request(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _strict(start_site, session)
    key = await jira.create()
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    answer = await jira.get(f"{ISSUE}/{key}/transitions?expand=transitions.fields")
    done = next(t for t in answer.body["transitions"] if t["id"] == "61")
    assert done["hasScreen"] is True
    assert done["fields"]["resolution"]["required"] is True
    assert done["fields"]["fixVersions"]["required"] is False
