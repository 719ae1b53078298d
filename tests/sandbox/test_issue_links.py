"""Issue links as JIRA Cloud keeps them: per-site link types, the inward/outward direction
JIRA really uses, ``fields.issuelinks`` on both ends, duplicates absorbed, delete."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.sandbox.conftest import Jira, StartSite

ISSUE = "/rest/api/3/issue"


def blocks(source: str, target: str, name: str = "Blocks") -> dict[str, Any]:
    return {"type": {"name": name}, "inwardIssue": {"key": source}, "outwardIssue": {"key": target}}


async def links_of(jira: Jira, key: str) -> list[dict[str, Any]]:
    answer = await jira.get(f"{ISSUE}/{key}?fields=issuelinks")
    return list(answer.body["fields"]["issuelinks"])


async def test_link_types_are_the_sites_own(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    default = Jira(session, (await start_site()).base_url)
    names = [
        t["name"] for t in (await default.get("/rest/api/3/issueLinkType")).body["issueLinkTypes"]
    ]
    assert names == ["Blocks", "Cloners", "Duplicate", "Relates"]
    partner = await start_site(link_types=(("Dependency", "is required by", "depends on"),))
    other = Jira(session, partner.base_url)
    types = (await other.get("/rest/api/3/issueLinkType")).body["issueLinkTypes"]
    assert [(t["name"], t["inward"], t["outward"]) for t in types] == [
        ("Dependency", "is required by", "depends on")
    ]
    one, two = await other.create("one"), await other.create("two")
    refused = await other.post("/rest/api/3/issueLink", blocks(one, two))
    assert refused.status == 404
    assert refused.body["errorMessages"] == ["No issue link type with name 'Blocks' found."]


async def test_inward_issue_is_the_subject_and_both_ends_list_the_link(jira: Jira) -> None:
    blocker, blocked = await jira.create("blocker"), await jira.create("blocked")
    answer = await jira.post("/rest/api/3/issueLink", blocks(blocker, blocked))
    assert answer.status == 201
    [on_blocker], [on_blocked] = await links_of(jira, blocker), await links_of(jira, blocked)
    assert on_blocker["id"] == on_blocked["id"]
    assert on_blocker["outwardIssue"]["key"] == blocked
    assert "inwardIssue" not in on_blocker
    assert on_blocked["inwardIssue"]["key"] == blocker
    assert "outwardIssue" not in on_blocked
    assert on_blocker["type"]["outward"] == "blocks"
    assert on_blocked["inwardIssue"]["fields"]["summary"] == "blocker"
    link = (await jira.get(f"/rest/api/3/issueLink/{on_blocker['id']}")).body
    assert (link["inwardIssue"]["key"], link["outwardIssue"]["key"]) == (blocker, blocked)
    history = (await jira.get(f"{ISSUE}/{blocker}/changelog")).body["values"][-1]["items"]
    assert history == [
        {"field": "Link", "fieldtype": "jira", "fieldId": "issuelinks", "to": blocked,
         "toString": f"This issue blocks {blocked}"}
    ]  # fmt: skip


async def test_a_second_identical_link_is_answered_created_and_not_doubled(jira: Jira) -> None:
    one, two = await jira.create("one"), await jira.create("two")
    for _ in range(2):
        assert (await jira.post("/rest/api/3/issueLink", blocks(one, two))).status == 201
    assert len(await links_of(jira, one)) == 1
    assert (await jira.post("/rest/api/3/issueLink", blocks(two, one))).status == 201
    assert len(await links_of(jira, one)) == 2  # the other direction is another link
    itself = await jira.post("/rest/api/3/issueLink", blocks(one, one))
    assert itself.status == 400
    missing = await jira.post("/rest/api/3/issueLink", blocks(one, "PROJ1-999"))
    assert missing.status == 404


async def test_delete_removes_the_link_from_both_ends(jira: Jira) -> None:
    one, two = await jira.create("one"), await jira.create("two")
    await jira.post("/rest/api/3/issueLink", blocks(one, two, name="relates"))
    [link] = await links_of(jira, one)
    assert link["type"]["name"] == "Relates"  # names match whatever their case
    assert (await jira.delete(f"/rest/api/3/issueLink/{link['id']}")).status == 204
    assert await links_of(jira, one) == []
    assert await links_of(jira, two) == []
    assert (await jira.delete(f"/rest/api/3/issueLink/{link['id']}")).status == 404
