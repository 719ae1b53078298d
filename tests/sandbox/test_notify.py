"""``notifyUsers=false`` needs admin rights: a plain user gets JIRA's 403 and nothing
changes; a site admin or project admin edits quietly. ``mypermissions`` tells which."""

from __future__ import annotations

import pytest

from sandbox import RunningSite
from sandbox.notify import DISCARD_REFUSED
from tests.sandbox.conftest import Jira, StartSite, basic, doc

ROLES = ("user", "project-admin", "site-admin")
ADMIN_KEYS = "/rest/api/3/mypermissions?permissions=ADMINISTER,ADMINISTER_PROJECTS,EDIT_ISSUES"


async def test_a_plain_user_asking_for_no_notification_gets_403_and_changes_nothing(
    jira: Jira, site: RunningSite
) -> None:
    key = await jira.create("Before")
    emulator = site.emulator
    before = len(emulator.notifications)
    history = len(emulator.issues[key].changelog)

    refused = await jira.put(
        f"/rest/api/3/issue/{key}?notifyUsers=false", {"fields": {"summary": "After"}}
    )

    assert refused.status == 403
    assert refused.body == {"errorMessages": [DISCARD_REFUSED], "errors": {}}
    assert emulator.issues[key].fields["summary"] == "Before"
    assert len(emulator.issues[key].changelog) == history
    assert len(emulator.notifications) == before
    loud = await jira.put(f"/rest/api/3/issue/{key}", {"fields": {"summary": "After"}})
    assert loud.status == 204
    assert emulator.issues[key].fields["summary"] == "After"
    assert [n.event for n in emulator.notifications[before:]] == ["jira:issue_updated"]


@pytest.mark.parametrize("role", ["project-admin", "site-admin"])
async def test_an_admin_edits_without_notifying(
    start_site: StartSite, jira: Jira, role: str
) -> None:
    running = await start_site(integration_role=role)
    admin = Jira(jira.session, running.base_url)
    key = await admin.create("Before")
    created = list(running.emulator.notifications)
    assert [n.event for n in created] == ["jira:issue_created"]

    quiet = await admin.put(
        f"/rest/api/3/issue/{key}?notifyUsers=false", {"fields": {"summary": "Quiet"}}
    )
    assert quiet.status == 204
    assert running.emulator.issues[key].fields["summary"] == "Quiet"
    assert running.emulator.notifications == created
    loud = await admin.put(
        f"/rest/api/3/issue/{key}?notifyUsers=true", {"fields": {"summary": "Loud"}}
    )
    assert loud.status == 204
    assert len(running.emulator.notifications) == 2


async def test_a_comment_update_follows_the_same_rule(start_site: StartSite, jira: Jira) -> None:
    key = await jira.create()
    added = await jira.post(f"/rest/api/3/issue/{key}/comment", {"body": doc("first")})
    path = f"/rest/api/3/issue/{key}/comment/{added.body['id']}?notifyUsers=false"
    refused = await jira.put(path, {"body": doc("second")})
    assert (refused.status, refused.body["errorMessages"]) == (403, [DISCARD_REFUSED])
    kept = await jira.get(f"/rest/api/3/issue/{key}/comment/{added.body['id']}")
    assert kept.body["body"] == doc("first")

    running = await start_site(integration_role="project-admin")
    admin = Jira(jira.session, running.base_url)
    other = await admin.create()
    comment = await admin.post(f"/rest/api/3/issue/{other}/comment", {"body": doc("first")})
    sent = len(running.emulator.notifications)
    path = f"/rest/api/3/issue/{other}/comment/{comment.body['id']}?notifyUsers=false"
    assert (await admin.put(path, {"body": doc("second")})).status == 200
    assert len(running.emulator.notifications) == sent


@pytest.mark.parametrize("role", ROLES)
async def test_mypermissions_follows_the_role(start_site: StartSite, jira: Jira, role: str) -> None:
    running = await start_site(integration_role=role)
    answer = await Jira(jira.session, running.base_url).get(ADMIN_KEYS + "&projectKey=PROJ1")
    assert answer.status == 200
    held = {key: value["havePermission"] for key, value in answer.body["permissions"].items()}
    assert held == {
        "ADMINISTER": role == "site-admin",
        "ADMINISTER_PROJECTS": role == "project-admin",
        "EDIT_ISSUES": True,
    }
    assert answer.body["permissions"]["ADMINISTER_PROJECTS"]["type"] == "PROJECT"


async def test_the_sync_account_is_a_plain_user_by_default(jira: Jira) -> None:
    answer = await jira.get(ADMIN_KEYS)
    held = {key: value["havePermission"] for key, value in answer.body["permissions"].items()}
    assert held["ADMINISTER"] is False
    assert held["ADMINISTER_PROJECTS"] is False


async def test_a_user_added_with_a_role_over_the_control_api(jira: Jira) -> None:
    body = {
        "displayName": "Pat Admin",
        "emailAddress": "pat@example.com",
        "apiToken": "pat-token",
        "role": "project-admin",
    }
    assert (await jira.post("/_emulator/users", body)).status == 201
    pat = Jira(jira.session, jira.base_url)
    pat.authorization = basic("pat@example.com", "pat-token")
    key = await jira.create()
    quiet = await pat.put(
        f"/rest/api/3/issue/{key}?notifyUsers=false", {"fields": {"summary": "x"}}
    )
    assert quiet.status == 204
    listed = (await jira.get("/_emulator/notifications")).body
    assert [n["event"] for n in listed] == ["jira:issue_created"]
