"""Attachments as JIRA Cloud serves them: multipart upload behind the XSRF header, a size
limit, metadata, content through a 303 to the media service, delete, ``fields.attachment``
and the ``Attachment`` changelog item of the webhook."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from sandbox import Faults
from tests.sandbox.conftest import Jira, Receiver, StartSite

ISSUE = "/rest/api/3/issue"
NO_CHECK = {"X-Atlassian-Token": "no-check"}


async def upload(
    jira: Jira, key: str, *files: tuple[str, bytes], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    form = aiohttp.FormData()
    for name, content in files:
        form.add_field("file", content, filename=name, content_type="text/plain")
    sent = {"Authorization": jira.authorization} | (NO_CHECK if headers is None else headers)
    async with jira.session.post(
        f"{jira.base_url}{ISSUE}/{key}/attachments", data=form, headers=sent
    ) as response:
        return response.status, await response.json()


async def test_upload_without_the_xsrf_header_is_refused(jira: Jira) -> None:
    key = await jira.create()
    status, body = await upload(jira, key, ("a.txt", b"x"), headers={})
    assert (status, body["errorMessages"]) == (403, ["XSRF check failed"])
    assert (await jira.get(f"{ISSUE}/{key}?fields=attachment")).body["fields"]["attachment"] == []


async def test_upload_lists_the_files_on_the_issue_with_metadata(jira: Jira) -> None:
    key = await jira.create()
    status, added = await upload(jira, key, ("a.txt", b"hello"), ("b.txt", b"bye"))
    assert status == 200, added
    assert [(a["filename"], a["size"], a["mimeType"]) for a in added] == [
        ("a.txt", 5, "text/plain"),
        ("b.txt", 3, "text/plain"),
    ]
    fields = (await jira.get(f"{ISSUE}/{key}?fields=attachment")).body["fields"]
    assert [a["id"] for a in fields["attachment"]] == [a["id"] for a in added]
    meta = await jira.get(f"/rest/api/3/attachment/{added[0]['id']}")
    assert meta.body["id"] == int(added[0]["id"])
    assert meta.body["content"].endswith(f"/rest/api/3/attachment/content/{added[0]['id']}")
    assert (await jira.get("/rest/api/3/attachment/meta")).body == {
        "enabled": True,
        "uploadLimit": 2**30,
    }


async def test_content_redirects_to_the_media_service_which_wants_its_token(jira: Jira) -> None:
    key = await jira.create()
    _, added = await upload(jira, key, ("a.txt", b"hello"))
    path = f"/rest/api/3/attachment/content/{added[0]['id']}"
    headers = {"Authorization": jira.authorization}
    async with jira.session.get(
        jira.base_url + path, headers=headers, allow_redirects=False
    ) as response:
        assert response.status == 303
        location = response.headers["Location"]
    assert "/media/file/" in location
    async with jira.session.get(location) as media:  # no Basic auth: the token is the key
        assert (media.status, await media.read()) == (200, b"hello")
    async with jira.session.get(location.replace("token=", "token=x")) as wrong:
        assert wrong.status == 401
    async with jira.session.get(jira.base_url + path + "?redirect=false", headers=headers) as raw:
        assert (raw.status, await raw.read()) == (200, b"hello")


async def test_a_file_over_the_sites_limit_is_413_and_nothing_is_kept(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(attachment_limit=1000)
    jira = Jira(session, running.base_url)
    key = await jira.create()
    status, body = await upload(jira, key, ("small.txt", b"ok"), ("big.bin", b"x" * 1001))
    assert status == 413
    assert "maximum attachment size" in body["errorMessages"][0]
    assert (await jira.get(f"{ISSUE}/{key}?fields=attachment")).body["fields"]["attachment"] == []
    assert running.emulator.site.attachments.files == {}
    assert (await upload(jira, key, ("fits.bin", b"x" * 1000)))[0] == 200


async def test_delete_and_the_changelog_items_webhooks_carry(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    # what is checked is the items of each delivery, not delivery: none doubled or reordered
    calm = Faults(webhook_duplicate_rate=0.0, webhook_delay_jitter=0.0)
    running = await start_site(webhook_url=receiver.url, faults=calm)
    jira = Jira(session, running.base_url)
    key = await jira.create()
    _, added = await upload(jira, key, ("a.txt", b"hello"))
    attachment_id = added[0]["id"]
    assert (await jira.delete(f"/rest/api/3/attachment/{attachment_id}")).status == 204
    assert (await jira.get(f"/rest/api/3/attachment/{attachment_id}")).status == 404
    assert (await jira.get(f"{ISSUE}/{key}?fields=attachment")).body["fields"]["attachment"] == []
    bodies = [json.loads(r.body) for r in await receiver.wait_for(3)]
    bodies.sort(key=lambda body: body["timestamp"])
    items = [b["changelog"]["items"] for b in bodies if b["webhookEvent"] == "jira:issue_updated"]
    common = {"field": "Attachment", "fieldtype": "jira", "fieldId": "attachment"}
    assert items == [
        [common | {"from": None, "fromString": None, "to": attachment_id, "toString": "a.txt"}],
        [common | {"from": attachment_id, "fromString": "a.txt", "to": None, "toString": None}],
    ]
    assert bodies[1]["issue"]["fields"]["attachment"][0]["filename"] == "a.txt"
    history = (await jira.get(f"{ISSUE}/{key}/changelog")).body["values"]
    assert history[-1]["items"] == [common | {"from": attachment_id, "fromString": "a.txt"}]
