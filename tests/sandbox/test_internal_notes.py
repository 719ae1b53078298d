"""Service-desk internal notes: comment properties, ``jsdPublic`` as JIRA answers it, the
comment webhooks carrying it, and a site whose project is a service desk."""

from __future__ import annotations

import json

import aiohttp

from sandbox import RunningSite
from tests.sandbox.conftest import Jira, Receiver, StartSite, doc

ISSUE = "/rest/api/3/issue"
INTERNAL = [{"key": "sd.public.comment", "value": {"internal": True}}]


async def test_a_note_created_with_the_internal_property_reads_back_not_public(
    jira: Jira,
) -> None:
    key = await jira.create()
    base = f"{ISSUE}/{key}/comment"
    public = await jira.post(base, {"body": doc("For the customer")})
    note = await jira.post(base, {"body": doc("Agents only"), "properties": INTERNAL})
    assert (public.body["jsdPublic"], note.body["jsdPublic"]) == (True, False)
    assert "visibility" not in note.body  # an internal note is no visibility restriction
    page = (await jira.get(f"{base}?expand=properties")).body["comments"]
    assert [c["jsdPublic"] for c in page] == [True, False]
    assert page[1]["properties"] == INTERNAL
    assert "properties" not in (await jira.get(f"{base}/{note.body['id']}")).body


async def test_comment_properties_are_set_read_listed_and_removed(jira: Jira) -> None:
    key = await jira.create()
    made = await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("Hello")})
    comment_id = made.body["id"]
    one = f"/rest/api/3/comment/{comment_id}/properties/sd.public.comment"
    assert (await jira.get(one)).status == 404
    assert (await jira.put(one, {"internal": True})).status == 201
    assert (await jira.put(one, {"internal": True})).status == 200
    assert (await jira.get(one)).body == {"key": "sd.public.comment", "value": {"internal": True}}
    keys = (await jira.get(f"/rest/api/3/comment/{comment_id}/properties")).body["keys"]
    assert [k["key"] for k in keys] == ["sd.public.comment"]
    assert (await jira.get(f"{ISSUE}/{key}/comment/{comment_id}")).body["jsdPublic"] is False
    assert (await jira.delete(one)).status == 204
    assert (await jira.get(f"{ISSUE}/{key}/comment/{comment_id}")).body["jsdPublic"] is True
    assert (await jira.get("/rest/api/3/comment/99999/properties")).status == 404


async def test_an_update_carrying_the_property_makes_a_comment_internal(jira: Jira) -> None:
    key = await jira.create()
    made = await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("Oops")})
    path = f"{ISSUE}/{key}/comment/{made.body['id']}"
    edited = await jira.put(path, {"body": doc("Oops"), "properties": INTERNAL})
    assert (edited.status, edited.body["jsdPublic"]) == (200, False)


async def test_comment_webhooks_carry_jsd_public(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    running = await start_site(webhook_url=receiver.url)
    jira = Jira(session, running.base_url)
    key = await jira.create()
    note = await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("x"), "properties": INTERNAL})
    path = f"{ISSUE}/{key}/comment/{note.body['id']}"
    public = [{"key": "sd.public.comment", "value": {"internal": False}}]
    await jira.put(path, {"body": doc("y"), "properties": public})
    received = await receiver.wait_for(5)  # created; then per comment change two events
    events = [json.loads(item.body) for item in received]
    comments = [(e["webhookEvent"], e["comment"]["jsdPublic"]) for e in events if "comment" in e]
    assert ("comment_created", False) in comments
    assert ("comment_updated", True) in comments


async def test_a_service_desk_site_says_so(start_site: StartSite, jira: Jira) -> None:
    desk: RunningSite = await start_site(project_type="service_desk")
    async with aiohttp.ClientSession() as session:
        answer = await Jira(session, desk.base_url).get("/rest/api/3/project/PROJ1")
    assert answer.body["projectTypeKey"] == "service_desk"
    assert (await jira.get("/rest/api/3/project/PROJ1")).body["projectTypeKey"] == "software"
