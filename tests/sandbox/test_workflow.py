"""Workflows: the default (screens requiring a resolution and a custom field), the
simplified one (resolution set on Done) and a strict one."""

from __future__ import annotations

from typing import Any

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


DEFAULT_TRANSITIONS = {
    "In Progress": "21",
    "In Review": "31",
    "Done": "41",
    "Escalated": "51",
}
FIXED = {"resolution": {"name": "Fixed"}}


async def test_default_workflow_goes_anywhere_and_back(jira: Jira) -> None:
    key = await jira.create()
    assert await _transitions(jira, key) == DEFAULT_TRANSITIONS
    for target in ("In Progress", "In Review", "To Do", "Done", "In Progress"):
        body: dict[str, Any] = {"transition": {"id": (await _transitions(jira, key))[target]}}
        body |= {"fields": FIXED} if target == "Done" else {}
        answer = await jira.post(f"{ISSUE}/{key}/transitions", body)
        assert answer.status == 204
        assert (await _status(jira, key))[0] == target


async def test_default_done_requires_a_resolution_and_invents_none(jira: Jira) -> None:
    """JIRA's answer to a transition whose screen requires the resolution, without one."""
    key = await jira.create()
    bare = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "41"}})
    assert bare.status == 400
    assert bare.body["errors"] == {"resolution": "Resolution is required."}
    assert await _status(jira, key) == ("To Do", None)
    done = {"transition": {"id": "41"}, "fields": {"resolution": {"name": "Done"}}}
    unknown = await jira.post(f"{ISSUE}/{key}/transitions", done)
    assert unknown.status == 400
    assert "resolution" in unknown.body["errors"]
    fixed = {"transition": {"id": "41"}, "fields": FIXED}
    assert (await jira.post(f"{ISSUE}/{key}/transitions", fixed)).status == 204
    assert await _status(jira, key) == ("Done", "Fixed")
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    assert await _status(jira, key) == ("To Do", None)
    history = (await jira.get(f"{ISSUE}/{key}/changelog")).body["values"]
    assert [sorted(i["field"] for i in h["items"]) for h in history] == [
        ["resolution", "status"],
        ["resolution", "status"],
    ]
    assert history[0]["items"][0]["toString"] == "Fixed"


async def test_default_screens_are_described(jira: Jira) -> None:
    key = await jira.create()
    answer = await jira.get(f"{ISSUE}/{key}/transitions?expand=transitions.fields")
    listed = {t["id"]: t for t in answer.body["transitions"]}
    resolution = listed["41"]["fields"]["resolution"]
    assert resolution["required"] is True
    names = [value["name"] for value in resolution["allowedValues"]]
    assert names == ["Fixed", "Won't Do", "Duplicate", "Cannot Reproduce"]
    severity = listed["51"]["fields"]["customfield_10050"]
    assert (severity["required"], severity["name"]) == (True, "Severity")
    assert [v["value"] for v in severity["allowedValues"]] == ["Critical", "Major", "Minor"]
    assert listed["21"]["hasScreen"] is False
    assert listed["21"]["fields"] == {}


async def test_get_issue_expands_the_transitions_open_from_its_status(jira: Jira) -> None:
    """Get issue's ``expand=transitions`` (the OpenAPI spec's expansion) gives the listing's
    transitions beside the fields; ``transitions.fields`` their screens too; none unasked."""
    key = await jira.create()
    listing = (await jira.get(f"{ISSUE}/{key}/transitions?expand=transitions.fields")).body
    answer = await jira.get(f"{ISSUE}/{key}?fields=status&expand=transitions.fields")
    assert answer.status == 200
    assert answer.body["fields"]["status"]["name"] == "To Do"
    assert answer.body["transitions"] == listing["transitions"]
    bare = (await jira.get(f"{ISSUE}/{key}?fields=status&expand=transitions")).body
    assert {t["to"]["name"]: t["id"] for t in bare["transitions"]} == DEFAULT_TRANSITIONS
    assert all("fields" not in t for t in bare["transitions"])
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "21"}})
    moved = (await jira.get(f"{ISSUE}/{key}?fields=status&expand=transitions")).body
    assert [t["to"]["name"] for t in moved["transitions"]] == [
        t["to"]["name"] for t in (await jira.get(f"{ISSUE}/{key}/transitions")).body["transitions"]
    ]
    assert "transitions" not in (await jira.get(f"{ISSUE}/{key}?fields=status")).body


async def test_a_required_custom_field_is_asked_for(jira: Jira) -> None:
    key = await jira.create()
    bare = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "51"}})
    assert bare.status == 400
    assert bare.body["errors"] == {"customfield_10050": "Severity is required."}
    body = {"transition": {"id": "51"}, "fields": {"customfield_10050": {"value": "Major"}}}
    assert (await jira.post(f"{ISSUE}/{key}/transitions", body)).status == 204
    assert (await _status(jira, key)) == ("Escalated", None)
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    again = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "51"}})
    assert again.status == 204  # the issue holds a Severity already


async def test_resolutions_differ_per_site(
    start_site: StartSite, session: aiohttp.ClientSession, jira: Jira
) -> None:
    listed = (await jira.get("/rest/api/3/resolution")).body
    assert [r["name"] for r in listed] == ["Fixed", "Won't Do", "Duplicate", "Cannot Reproduce"]
    other = Jira(session, (await start_site(resolutions=("Done", "Won't Fix"))).base_url)
    assert [r["name"] for r in (await other.get("/rest/api/3/resolution")).body] == [
        "Done",
        "Won't Fix",
    ]


async def test_simplified_workflow_resolves_on_done_and_clears_on_reopen(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(workflow="simplified", resolutions=("Done", "Won't Do"))
    jira = Jira(session, running.base_url)
    key = await jira.create()
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "41"}})
    assert await _status(jira, key) == ("Done", "Done")
    await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": "11"}})
    assert await _status(jira, key) == ("To Do", None)


async def test_unknown_or_unavailable_transition_is_400(jira: Jira) -> None:
    key = await jira.create()
    for transition in ("11", "999"):
        answer = await jira.post(f"{ISSUE}/{key}/transitions", {"transition": {"id": transition}})
        assert answer.status == 400
        assert answer.body["errorMessages"] == [
            f"Transition id '{transition}' is not valid for this issue."
        ]


async def test_a_field_off_the_transition_screen_is_refused(jira: Jira) -> None:
    key = await jira.create()
    body = {"transition": {"id": "21"}, "fields": {"resolution": {"name": "Won't Do"}}}
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
