"""Issue properties, remote links upserted by globalId, changelog pages."""

from __future__ import annotations

from sandbox import RunningSite
from tests.sandbox.conftest import Jira, expect_violation

ISSUE = "/rest/api/3/issue"


async def test_property_set_get_replace_delete(jira: Jira) -> None:
    key = await jira.create()
    path = f"{ISSUE}/{key}/properties/sync.link"
    assert (await jira.get(path)).status == 404
    assert (await jira.put(path, {"peer": "A-1"})).status == 201
    assert (await jira.put(path, {"peer": "A-2"})).status == 200
    assert (await jira.get(path)).body == {"key": "sync.link", "value": {"peer": "A-2"}}
    keys = (await jira.get(f"{ISSUE}/{key}/properties")).body["keys"]
    assert [k["key"] for k in keys] == ["sync.link"]
    assert (await jira.delete(path)).status == 204
    assert (await jira.get(path)).status == 404


async def test_property_values_are_limited_to_32768_characters(jira: Jira) -> None:
    key = await jira.create()
    path = f"{ISSUE}/{key}/properties/big"
    assert (await jira.put(path, "x" * 32_766)).status == 201  # 32,768 with the quotes
    assert (await jira.put(path, "x" * 32_767)).status == 400


async def test_remote_links_upsert_by_global_id(jira: Jira) -> None:
    key = await jira.create()
    path = f"{ISSUE}/{key}/remotelink"
    link = {"globalId": "sync:PROJ2-1", "object": {"url": "http://b/PROJ2-1", "title": "PROJ2-1"}}
    first = await jira.post(path, link)
    again = await jira.post(path, link | {"object": {"url": "http://b/x", "title": "Moved"}})
    other = await jira.post(path, {"object": {"url": "http://c", "title": "No global id"}})
    assert (first.status, again.status, other.status) == (201, 200, 201)
    assert first.body["id"] == again.body["id"] != other.body["id"]
    listed = (await jira.get(path)).body
    assert [item["object"]["title"] for item in listed] == ["Moved", "No global id"]
    one = await jira.get(f"{path}?globalId=sync:PROJ2-1")
    assert one.body["object"]["url"] == "http://b/x"


async def test_remote_link_needs_url_and_title(jira: Jira, site: RunningSite) -> None:
    key = await jira.create()
    answer = await jira.post(f"{ISSUE}/{key}/remotelink", {"object": {"title": "x"}})
    assert (answer.status, list(answer.body["errors"])) == (400, ["url"])
    expect_violation(site, "'url' is a required property")


async def test_changelog_pages_oldest_first(jira: Jira) -> None:
    key = await jira.create()
    for n in range(7):
        await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": f"S{n}"}})
    seen: list[str] = []
    start = 0
    while True:
        page = (await jira.get(f"{ISSUE}/{key}/changelog?startAt={start}&maxResults=3")).body
        assert page["total"] == 7
        seen += [h["items"][0]["toString"] for h in page["values"]]
        if page["isLast"]:
            assert "nextPage" not in page
            break
        assert page["nextPage"].endswith(f"startAt={start + 3}")
        start += 3
    assert seen == [f"S{n}" for n in range(7)]


async def test_changelog_items_carry_ids_and_display_strings(jira: Jira) -> None:
    key = await jira.create()
    body = {"fields": {"priority": {"name": "High"}, "assignee": {"accountId": "712020:bob-0002"}}}
    await jira.put(f"{ISSUE}/{key}", body)
    history = (await jira.get(f"{ISSUE}/{key}/changelog")).body["values"][0]
    items = {item["field"]: item for item in history["items"]}
    assert items["priority"] == {
        "field": "priority",
        "fieldtype": "jira",
        "fieldId": "priority",
        "from": "3",
        "fromString": "Medium",
        "to": "2",
        "toString": "High",
    }
    assert items["assignee"]["to"] == "712020:bob-0002"
    assert "from" not in items["assignee"]
