"""Worklogs: paged listing, add (time as seconds or ``1h 30m``), update, delete, their
properties, the permissions and the time-tracking switch, the ``worklog_*`` webhooks."""

from __future__ import annotations

import json

import aiohttp

from sandbox import RunningSite
from sandbox.users import ALICE
from tests.sandbox.conftest import Jira, Receiver, StartSite, basic, doc

ISSUE = "/rest/api/3/issue"
STARTED = "2026-01-17T12:34:00.000+0000"
ALICE_AUTH = basic("alice@example.com", "alice-token")


async def test_worklog_lifecycle(jira: Jira, site: RunningSite) -> None:
    key = await jira.create()
    base = f"{ISSUE}/{key}/worklog"
    body = {"timeSpentSeconds": 5400, "started": STARTED, "comment": doc("Reviewed")}
    made = await jira.post(base, body)
    assert made.status == 201, made.body
    assert (made.body["timeSpent"], made.body["author"]["displayName"]) == (
        "1h 30m",
        "Sync Integration",
    )
    assert made.body["issueId"] == site.emulator.site.find(key).id
    worklog_id = made.body["id"]
    edited = await jira.put(f"{base}/{worklog_id}", {"timeSpent": "1d 2h"})
    assert (edited.status, edited.body["timeSpentSeconds"]) == (200, 10 * 3600)
    assert edited.body["comment"] == doc("Reviewed")  # left as it was
    assert (await jira.get(f"{base}/{worklog_id}")).body["started"] == STARTED
    assert (await jira.delete(f"{base}/{worklog_id}")).status == 204
    assert (await jira.get(f"{base}/{worklog_id}")).status == 404


async def test_the_listing_is_paged(jira: Jira) -> None:
    key = await jira.create()
    for minutes in (1, 2, 3):
        await jira.post(f"{ISSUE}/{key}/worklog", {"timeSpent": f"{minutes}m", "started": STARTED})
    page = (await jira.get(f"{ISSUE}/{key}/worklog?startAt=1&maxResults=1")).body
    assert (page["startAt"], page["maxResults"], page["total"]) == (1, 1, 3)
    assert [w["timeSpentSeconds"] for w in page["worklogs"]] == [120]


async def test_a_worklog_needs_a_time_and_a_wellformed_start(jira: Jira) -> None:
    key = await jira.create()
    base = f"{ISSUE}/{key}/worklog"
    no_time = await jira.post(base, {"started": STARTED})
    bad_start = await jira.post(base, {"timeSpentSeconds": 60, "started": "yesterday"})
    no_start = await jira.post(base, {"timeSpentSeconds": 60})
    zero = await jira.post(base, {"timeSpentSeconds": 0, "started": STARTED})
    assert [a.status for a in (no_time, bad_start, no_start, zero)] == [400] * 4
    assert no_time.body["errors"] == {"timeLogged": "You must indicate the time spent working."}
    assert "started" in bad_start.body["errors"]


async def test_properties_are_set_with_the_body_and_on_their_own(jira: Jira) -> None:
    key = await jira.create()
    marker = {"key": "jira-sync.worklog", "value": {"source": "1:10001"}}
    body = {"timeSpentSeconds": 60, "started": STARTED, "properties": [marker]}
    worklog_id = (await jira.post(f"{ISSUE}/{key}/worklog", body)).body["id"]
    listed = (await jira.get(f"{ISSUE}/{key}/worklog?expand=properties")).body["worklogs"]
    assert listed[0]["properties"] == [marker]
    path = f"{ISSUE}/{key}/worklog/{worklog_id}/properties"
    assert (await jira.put(f"{path}/other", {"n": 1})).status == 201
    assert (await jira.put(f"{path}/other", {"n": 2})).status == 200
    assert (await jira.get(f"{path}/other")).body == {"key": "other", "value": {"n": 2}}
    assert [k["key"] for k in (await jira.get(path)).body["keys"]] == ["jira-sync.worklog", "other"]
    assert (await jira.delete(f"{path}/other")).status == 204
    assert (await jira.get(f"{path}/other")).status == 404


async def test_permissions_own_and_all(jira: Jira, site: RunningSite) -> None:
    key = await jira.create()
    base = f"{ISSUE}/{key}/worklog"
    mine = (await jira.post(base, {"timeSpentSeconds": 60, "started": STARTED})).body["id"]
    alices = await jira.post(
        base, {"timeSpentSeconds": 60, "started": STARTED}, authorization=ALICE_AUTH
    )
    assert alices.body["author"]["accountId"] == ALICE  # always the caller
    ours = site.emulator.config.integration_account_id
    knobs = {"withheld": {"EDIT_ALL_WORKLOGS": [ours], "DELETE_ALL_WORKLOGS": [ours]}}
    assert (await jira.put("/_emulator/worklogs", knobs)).status == 200
    assert (await jira.put(f"{base}/{mine}", {"timeSpentSeconds": 120})).status == 200  # own
    refused = await jira.put(f"{base}/{alices.body['id']}", {"timeSpentSeconds": 120})
    assert (refused.status, refused.body["errorMessages"]) == (
        400,
        ["You do not have the permission to edit this worklog."],
    )
    assert (await jira.delete(f"{base}/{alices.body['id']}")).status == 400
    await jira.put("/_emulator/worklogs", {"withheld": {"WORK_ON_ISSUES": [ours]}})
    assert (await jira.post(base, {"timeSpentSeconds": 60, "started": STARTED})).status == 400
    held = await jira.get("/rest/api/3/mypermissions?permissions=WORK_ON_ISSUES,EDIT_ALL_WORKLOGS")
    assert [p["havePermission"] for p in held.body["permissions"].values()] == [False, True]


async def test_a_site_without_time_tracking_answers_400(start_site: StartSite) -> None:
    running = await start_site(time_tracking=False)
    async with aiohttp.ClientSession() as session:
        jira = Jira(session, running.base_url)
        key = await jira.create()
        answer = await jira.post(
            f"{ISSUE}/{key}/worklog", {"timeSpentSeconds": 60, "started": STARTED}
        )
        assert answer.status == 400
        await jira.put("/_emulator/worklogs", {"time_tracking": True})
        answer = await jira.post(
            f"{ISSUE}/{key}/worklog", {"timeSpentSeconds": 60, "started": STARTED}
        )
        assert answer.status == 201


async def test_worklog_webhooks_carry_the_issue_id_only(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    running = await start_site(webhook_url=receiver.url)
    jira = Jira(session, running.base_url)
    key = await jira.create()
    issue_id = running.emulator.site.find(key).id
    base = f"{ISSUE}/{key}/worklog"
    body = {"timeSpentSeconds": 60, "started": STARTED, "comment": doc("Done")}
    worklog_id = (await jira.post(base, body)).body["id"]
    await jira.put(f"{base}/{worklog_id}", {"timeSpentSeconds": 120})
    await jira.delete(f"{base}/{worklog_id}")
    received = await receiver.wait_for(4)
    events = [json.loads(item.body) for item in received]
    worklogs = sorted(
        (e for e in events if e["webhookEvent"].startswith("worklog_")),
        key=lambda e: (e["timestamp"], e["webhookEvent"] != "worklog_created"),
    )
    assert {e["webhookEvent"] for e in worklogs} == {
        "worklog_created",
        "worklog_updated",
        "worklog_deleted",
    }
    for event in worklogs:
        assert "issue" not in event
        assert "user" not in event
        assert event["worklog"]["issueId"] == issue_id
        assert event["worklog"]["id"] == worklog_id
        assert event["worklog"]["updateAuthor"]["accountId"] != ""
        assert "emailAddress" not in event["worklog"]["author"]
    assert worklogs[0]["worklog"]["comment"] == "Done"  # v2: wiki text


async def test_a_worklog_of_an_unknown_issue_is_404(jira: Jira) -> None:
    answer = await jira.post(
        f"{ISSUE}/PROJ1-999/worklog", {"timeSpentSeconds": 60, "started": STARTED}
    )
    assert answer.status == 404
