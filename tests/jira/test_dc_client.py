"""``DataCenterClient`` against the emulator's Data Center flavour over real HTTP: the
engine's shapes (ADF, ``accountId``) in and out, Data Center's (wiki markup, usernames,
REST v2) on the site.

Not tested here: ``may_discard_notifications`` and ``find_users`` (the emulator's Data
Center flavour does not serve ``/rest/api/2/mypermissions`` or ``/user/search`` yet), nor
learning textarea fields from ``fields()`` (no ``/rest/api/2/field`` yet: the ids are
given to the constructor; the learning is unit-tested in ``tests/unit/jira``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from sandbox import Faults, RunningSite, SiteConfig, serve_emulator
from sandbox.dc_users import by_name
from streams.jira.adf import canonical_adf
from streams.jira.dc_client import DataCenterClient
from streams.jira.errors import NotFound, Unauthorized
from streams.jira.ratelimit import SiteLimiter
from streams.jira.transport import JiraTransport, RetryPolicy, SiteAuth

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0)
TEXTAREA = "customfield_10100"
MARKER = "jira-sync.link"


@asynccontextmanager
async def dc_site(
    bearer: str | None = None, **config: Any
) -> AsyncIterator[tuple[RunningSite, DataCenterClient]]:
    settings = SiteConfig(
        flavour="datacenter",
        rate_limits=None,
        faults=Faults(search_lag=0.0, webhook_duplicate_rate=0.0),
        textarea_field_id=TEXTAREA,
        **config,
    )
    async with serve_emulator(settings) as site, aiohttp.ClientSession() as session:
        pat = SecretStr(bearer) if bearer is not None else None
        auth = SiteAuth(site.base_url, "sandbox", SecretStr("sandbox-token"), "datacenter", pat)
        transport = JiraTransport(auth, session, SiteLimiter({}), FAST)
        yield site, DataCenterClient(transport, textareas=[TEXTAREA])


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def para(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


def text(value: str, *marks: str) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    return node | {"marks": [{"type": m} for m in marks]} if marks else node


def mention(name: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": name}}


DESCRIPTION = doc(
    {"type": "heading", "attrs": {"level": 2}, "content": [text("Steps")]},
    {"type": "bulletList", "content": [
        {"type": "listItem", "content": [para(text("one"))]},
        {"type": "listItem", "content": [para(text("two", "strong"))]},
    ]},
)  # fmt: skip


def task(summary: str, **more: Any) -> dict[str, Any]:
    return {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": summary, **more}


async def test_create_stores_wiki_reads_back_adf_with_users_by_username() -> None:
    async with dc_site() as (site, client):
        notes = doc(para(text("Accept when "), mention("alice"), text(" agrees")))
        fields = task("Printer", description=DESCRIPTION, **{TEXTAREA: notes})
        created = await client.create_issue(fields, properties={MARKER: {"pair_id": "2:1"}})
        stored = site.emulator.issues[created.key].fields
        assert stored["description"] == "h2. Steps\n\n* one\n* *two*"
        assert stored[TEXTAREA] == "Accept when [~alice] agrees"
        issue = await client.get_issue(created.key, properties=[MARKER])
        assert canonical_adf(issue.fields["description"]) == canonical_adf(DESCRIPTION)
        assert canonical_adf(issue.fields[TEXTAREA]) == canonical_adf(notes)
        assert issue.properties[MARKER] == {"pair_id": "2:1"}
        reporter = issue.fields["reporter"]
        assert (reporter["accountId"], reporter["name"], reporter["key"]) == (
            "sandbox",
            "sandbox",
            "JIRAUSER10000",
        )


async def test_edit_assignee_by_account_id_is_the_username() -> None:
    async with dc_site() as (site, client):
        key = (await client.create_issue(task("Assign me"))).key
        await client.edit_issue(key, fields={"assignee": {"accountId": "alice"}})
        assert client.quiet["PROJ1"] is False  # notifyUsers=false refused a plain user, retried
        alice = by_name(site.emulator.users, "alice")
        assert alice is not None
        assert site.emulator.issues[key].fields["assignee"]["accountId"] == alice.account_id
        assignee = (await client.get_issue(key, fields=["assignee"])).fields["assignee"]
        assert (assignee["accountId"], assignee["key"]) == ("alice", "JIRAUSER10001")
        await client.edit_issue(key, update={"assignee": [{"set": {"accountId": "bob"}}]})
        again = (await client.get_issue(key, fields=["assignee"])).fields["assignee"]
        assert again["accountId"] == "bob"
        await client.edit_issue(key, fields={"description": doc(para(text("x", "em")))})
        assert site.emulator.issues[key].fields["description"] == "_x_"


async def test_transitions_move_the_issue_and_the_changelog_is_oldest_first() -> None:
    async with dc_site() as (_, client):
        key = (await client.create_issue(task("Walk"))).key
        await client.edit_issue(key, fields={"summary": "Walk on"})
        choices = await client.transitions(key)
        assert choices
        chosen = choices[0]
        assert await client.status_and_transitions(key) == ("To Do", choices)
        await client.transition(key, chosen.id)
        status = (await client.get_issue(key, fields=["status"])).fields["status"]
        assert status["name"] == chosen.to.name
        assert (await client.status_and_transitions(key))[0] == chosen.to.name
        entries = [entry async for entry in client.changelog(key)]
        fields = [item.get("field") for entry in entries for item in entry.items]
        assert fields.index("summary") < fields.index("status")
        assert {(entry.author or {}).get("accountId") for entry in entries} == {"sandbox"}


async def test_comments_with_mentions_both_ways_over_several_pages() -> None:
    async with dc_site() as (site, client):
        key = (await client.create_issue(task("Talk"))).key
        said = doc(para(text("Thanks "), mention("alice"), text(", see "), text("x.yml", "code")))
        added = await client.add_comment(key, said)
        assert site.emulator.issues[key].comments[0].body == "Thanks [~alice], see {{x.yml}}"
        assert canonical_adf(added.body) == canonical_adf(said)  # type: ignore[arg-type]
        assert (added.author or {})["accountId"] == "sandbox"
        note = {"internal": True}
        private = await client.add_comment(key, doc(para(text("x"))), properties={"sd": note})
        path = f"/rest/api/3/comment/{private.id}/properties/sd"
        assert (await client.request("GET", path))["value"] == note
        await client.delete_comment(key, private.id)
        for number in range(4):
            await client.add_comment(key, doc(para(text(f"more {number}"))))
        site.emulator.issues[key].comments[-1].body = "Over to [~bob]"  # written on the site
        listed = [comment async for comment in client.comments(key, page_size=2)]
        assert len(listed) == 5
        assert canonical_adf(listed[-1].body) == canonical_adf(  # type: ignore[arg-type]
            doc(para(text("Over to "), mention("bob")))
        )
        edited = await client.update_comment(key, added.id, doc(para(mention("bob"))))
        assert canonical_adf(edited.body) == canonical_adf(doc(para(mention("bob"))))  # type: ignore[arg-type]
        assert site.emulator.issues[key].comments[0].body == "[~bob]"
        await client.delete_comment(key, added.id)
        with pytest.raises(NotFound):
            await client.comment(key, added.id)


async def test_search_pages_by_start_at_with_properties_read_per_issue() -> None:
    async with dc_site() as (_, client):
        keys = []
        for number in range(7):
            marker = {MARKER: {"n": number}} if number % 2 else None
            keys.append((await client.create_issue(task(f"Issue {number}"), marker)).key)
        jql = "project = PROJ1 ORDER BY key ASC"
        found = [i async for i in client.search(jql, ["summary"], page_size=3, properties=[MARKER])]
        assert [issue.key for issue in found] == keys
        assert [issue.fields["summary"] for issue in found][-1] == "Issue 6"
        assert [issue.properties.get(MARKER) for issue in found][:3] == [None, {"n": 1}, None]
        assert await client.any_match("project = PROJ1 AND summary ~ Issue", ["10000"])
        assert not await client.any_match("project = PROJ1 AND summary ~ nothing")


async def test_properties_remote_links_and_direct_requests() -> None:
    async with dc_site() as (_, client):
        key = (await client.create_issue(task("Linked"))).key
        await client.set_property(key, "sync", {"fields": {"accountId": "kept"}})
        assert await client.get_property(key, "sync") == {"fields": {"accountId": "kept"}}
        await client.delete_property(key, "sync")
        with pytest.raises(NotFound):
            await client.get_property(key, "sync")
        await client.upsert_remote_link(key, "partner:1", "https://example.com/1", "Partner")
        await client.delete_remote_link(key, "partner:1")
        info = await client.request("GET", "/rest/api/3/serverInfo")
        assert info["deploymentType"] == "DataCenter"
        me = await client.myself()
        assert (me.account_id, me.display_name) == ("sandbox", "Sync Integration")
        found = await client.request(
            "GET", "/rest/api/3/user/search", params={"accountId": "alice"}
        )
        assert [(u["accountId"], u["key"]) for u in found] == [("alice", "JIRAUSER10001")]
        nobody = {"accountId": "712020:not-a-username"}
        assert await client.request("GET", "/rest/api/3/user/search", params=nobody) == []


async def test_a_personal_access_token_signs_in_a_wrong_one_is_refused() -> None:
    async with dc_site(bearer="alice-pat") as (_, client):
        assert (await client.myself()).account_id == "alice"
    async with dc_site(bearer="not-a-token") as (_, client):
        with pytest.raises(Unauthorized):
            await client.myself()
