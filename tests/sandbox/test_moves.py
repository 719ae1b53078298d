"""Issue moves as JIRA Cloud does them: a second project on the site, the bulk move API
(an asynchronous task), the new key, the old key still resolving, the webhook."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from sandbox import Faults, RunningSite
from streams.jira.webhooks import parse_webhook
from tests.sandbox.conftest import Jira, Receiver, StartSite

ISSUE = "/rest/api/3/issue"
MOVE = "/rest/api/3/bulk/issues/move"
TASK_TYPE = "10001"  # Task


def bulk(keys: list[str], target: str = "OTHER", issuetype: str = TASK_TYPE) -> dict[str, Any]:
    mapping = {
        "issueIdsOrKeys": keys,
        "inferFieldDefaults": True,
        "inferStatusDefaults": True,
        "inferSubtaskTypeDefault": True,
        "inferClassificationDefaults": True,
    }
    return {
        "sendBulkNotification": False,
        "targetToSourcesMapping": {f"{target},{issuetype}": mapping},
    }


async def search(jira: Jira, jql: str) -> list[str]:
    answer = await jira.post("/rest/api/3/search/jql", {"jql": jql, "fields": ["summary"]})
    assert answer.status == 200, answer.body
    return [issue["key"] for issue in answer.body["issues"]]


async def completed(jira: Jira, task_id: str) -> dict[str, Any]:
    for _ in range(100):
        answer = await jira.get(f"/rest/api/3/bulk/queue/{task_id}")
        assert answer.status == 200, answer.body
        if answer.body["status"] == "COMPLETE":
            return dict(answer.body)
        await asyncio.sleep(0.05)
    raise AssertionError("the bulk move never completed")


async def test_bulk_move_is_a_queued_task_that_rekeys_and_keeps_the_old_key(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(bulk_move_seconds=0.3, faults=Faults(search_lag=0.0))  # no lag
    jira = Jira(session, running.base_url)
    await jira.create("First")
    key = await jira.create("Moving")
    issue_id = running.emulator.issues[key].id
    answer = await jira.post(MOVE, bulk([key]))
    assert answer.status == 201, answer.body
    queued = await jira.get(f"/rest/api/3/bulk/queue/{answer.body['taskId']}")
    assert queued.body["status"] == "ENQUEUED"  # asynchronous: nothing moved yet
    assert (await jira.get(f"{ISSUE}/{key}")).body["key"] == key
    done = await completed(jira, answer.body["taskId"])
    assert done["processedAccessibleIssues"] == [int(issue_id)]
    assert done["progressPercent"] == 100

    moved = await jira.get(f"{ISSUE}/{key}")  # the old key still resolves
    assert moved.status == 200
    assert (moved.body["id"], moved.body["key"]) == (issue_id, "OTHER-1")
    assert moved.body["fields"]["project"]["key"] == "OTHER"
    assert (await jira.get(f"{ISSUE}/OTHER-1")).body["id"] == issue_id
    edited = await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": "Edited by old key"}})
    assert edited.status == 204
    assert running.emulator.issues["OTHER-1"].fields["summary"] == "Edited by old key"

    assert await search(jira, "project = PROJ1") == ["PROJ1-1"]
    assert await search(jira, "project = OTHER") == ["OTHER-1"]
    assert await search(jira, f"key = {key}") == ["OTHER-1"]  # JQL resolves the old key too
    assert await jira.create("Next") == "PROJ1-3"  # numbers are not reused


async def test_move_sends_an_issue_updated_webhook_with_project_and_key_items(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    running = await start_site(webhook_url=receiver.url)
    jira = Jira(session, running.base_url)
    key = await jira.create("Moving")
    await receiver.wait_for(1)
    answer = await jira.post("/_emulator/move", {"issue": key, "project": "OTHER"})
    assert answer.body["key"] == "OTHER-1"
    [_, received] = await receiver.wait_for(2)
    body = json.loads(received.body)
    assert (body["webhookEvent"], body["issue_event_type_name"]) == (
        "jira:issue_updated",
        "issue_moved",
    )
    assert body["issue"]["key"] == "OTHER-1"
    assert body["issue"]["fields"]["project"]["key"] == "OTHER"
    items = {item["field"]: item for item in body["changelog"]["items"]}
    assert set(items) == {"project", "Key"}
    assert items["project"]["fieldId"] == "project"
    assert (items["project"]["from"], items["project"]["to"]) == ("10000", "10001")
    assert (items["Key"]["fromString"], items["Key"]["toString"]) == (key, "OTHER-1")
    parsed = parse_webhook(received.body)
    assert parsed.issue is not None
    assert parsed.issue.key == "OTHER-1"


async def test_issues_are_created_in_the_other_project_and_move_in(
    site: RunningSite, jira: Jira
) -> None:
    body = {"fields": {"project": {"key": "OTHER"}, "issuetype": {"name": "Bug"}, "summary": "x"}}
    made = await jira.post(ISSUE, body)
    assert made.status == 201
    assert made.body["key"] == "OTHER-1"
    answer = await jira.post(MOVE, bulk(["OTHER-1"], target="10000", issuetype="10003"))
    await completed(jira, answer.body["taskId"])
    issue = site.emulator.issues["PROJ1-1"]
    assert issue.fields["project"]["key"] == "PROJ1"
    assert issue.fields["issuetype"]["name"] == "Story"
    history = await jira.get(f"{ISSUE}/OTHER-1?expand=changelog")
    [group] = history.body["changelog"]["histories"]
    assert {item["field"] for item in group["items"]} == {"project", "Key", "issuetype"}


async def test_bulk_move_refuses_unknown_issues_and_targets(jira: Jira) -> None:
    key = await jira.create("Stays")
    unknown = await jira.post(MOVE, bulk(["PROJ1-99"]))
    assert unknown.status == 400
    assert unknown.body == {
        "errors": [{"message": "Some of the issues in the issueIdsOrKeys are not valid"}]
    }
    assert (await jira.post(MOVE, bulk([key], target="NOPE"))).status == 400
    assert (await jira.post(MOVE, bulk([key], issuetype="99999"))).status == 400
    assert (await jira.get("/rest/api/3/bulk/queue/1")).status == 400
    assert (await jira.get(f"{ISSUE}/{key}")).body["fields"]["project"]["key"] == "PROJ1"
