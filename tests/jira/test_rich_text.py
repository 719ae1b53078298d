"""Webhook text is not ADF: JIRA sends rich text in webhook bodies as wiki markup, and a
counterpart created from the webhook must not get that markup as literal characters. A
description (and a comment) with a heading, bold, a list and a link, created on site 1,
arrives on site 2 with exactly the same text characters: formatting may be lost, never
characters added. Through the real applier and two emulated sites over HTTP; the create
webhook is the emulator's own body, parsed as the worker parses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from sandbox import RunningSite, SiteConfig
from sandbox.users import ALICE
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.jira.transport import SiteAuth
from streams.records import WebhookEnvelope
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.engine import handle
from streams.sync.fields import FieldMaps
from streams.sync.messages import CommentChanged, IssueChanged
from streams.sync.normalize import change_from_envelope
from tests.jira.rig import sync_auth, two_sites
from tests.jira.test_comment_sync import CONFIG, CONTRACT, HUMANS, QUICK

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def text(content: str, *marks: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": content}
    return node | ({"marks": list(marks)} if marks else {})


RICH = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [text("One heading")]},
        {
            "type": "paragraph",
            "content": [
                text("bold", {"type": "strong"}),
                text(" and plain, see "),
                text("the manual", {"type": "link", "attrs": {"href": "https://example.com/m"}}),
            ],
        },
        {
            "type": "bulletList",
            "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [text(t)]}]}
                for t in ("first", "second")
            ],
        },
    ],
}


def characters(node: Any) -> str:
    """Every text character of an ADF document, in order."""
    if isinstance(node, dict):
        own = node.get("text", "") if node.get("type") == "text" else ""
        return str(own) + "".join(characters(child) for child in node.get("content", []))
    return ""


def envelope(running: RunningSite, event: str, payload: dict[str, Any], n: int) -> Any:
    issue_id = payload["issue"]["id"]
    raw = WebhookEnvelope(site=1, webhook_id=f"w-{n}", received_at=NOW, event_type=event,
                          issue_id=issue_id, payload=payload)  # fmt: skip
    return change_from_envelope(raw, FieldMaps())


@asynccontextmanager
async def sites() -> AsyncIterator[tuple[dict[int, RunningSite], Applier, JiraClient]]:
    configs = {n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT) for n in (1, 2)}
    email, token = HUMANS[1]
    async with two_sites(configs[1], configs[2]) as running:
        human = SiteAuth(running[1].base_url, email, SecretStr(token))
        async with (
            open_client(sync_auth(running[1]), QUICK) as c1,
            open_client(sync_auth(running[2]), QUICK) as c2,
            open_client(human) as alice,
        ):
            urls = {n: r.base_url for n, r in running.items()}
            yield running, Applier({1: c1, 2: c2}, CONFIG, urls), alice


async def created_from_its_webhook(
    running: dict[int, RunningSite], applier: Applier, alice: JiraClient
) -> PairState:
    fields = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"},
              "summary": "Rich", "description": RICH}  # fmt: skip
    made = await alice.request("POST", "/rest/api/3/issue", json={"fields": fields})
    emulator = running[1].emulator
    issue, actor = emulator.issues[made["key"]], emulator.users.get(ALICE)
    assert actor is not None
    payload = emulator.site.payloads.issue_event(
        "jira:issue_created", "issue_created", issue, actor, 0
    )
    assert payload["issue"]["fields"]["description"].startswith("h2. One heading")  # wiki
    change = envelope(running[1], "jira:issue_created", payload, 1)
    assert isinstance(change, IssueChanged)
    result = await handle(change, None, CONFIG, applier, NOW)
    assert result.retry is None, result.note
    assert result.state is not None
    return result.state


async def test_a_description_created_from_its_webhook_gets_no_markup_characters() -> None:
    async with sites() as (running, applier, alice):
        await created_from_its_webhook(running, applier, alice)
        [twin] = running[2].emulator.issues.values()
        description = twin.fields["description"]
        assert characters(description) == characters(RICH)
        assert not any(mark in characters(description) for mark in ("h2.", "*", "[", "|"))


async def test_a_comment_copy_gets_no_markup_characters() -> None:
    async with sites() as (running, applier, alice):
        pair = await created_from_its_webhook(running, applier, alice)
        made = await alice.request("POST", "/rest/api/3/issue/PROJ1-1/comment", json={"body": RICH})
        emulator = running[1].emulator
        issue, comment = emulator.issues["PROJ1-1"], emulator.comments[made["id"]]
        payload = emulator.site.payloads.comment_event("comment_created", issue, comment, 0)
        assert payload["comment"]["body"].startswith("h2. One heading")  # wiki in the webhook
        change = envelope(running[1], "comment_created", payload, 2)
        assert isinstance(change, CommentChanged)
        result = await handle(change, pair, CONFIG, applier, NOW)
        assert result.retry is None, result.note
        [copy] = running[2].emulator.comments.values()
        header = characters(copy.body["content"][0])
        assert header.startswith("Alice Visible wrote on PROJ1-1")
        assert characters(copy.body) == header + characters(RICH)


async def test_an_origin_gone_before_its_rich_text_is_read_is_not_copied() -> None:
    async with sites() as (running, applier, alice):
        fields = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"},
                  "summary": "Short-lived", "description": RICH}  # fmt: skip
        made = await alice.request("POST", "/rest/api/3/issue", json={"fields": fields})
        emulator = running[1].emulator
        issue, actor = emulator.issues[made["key"]], emulator.users.get(ALICE)
        assert actor is not None
        payload = emulator.site.payloads.issue_event(
            "jira:issue_created", "issue_created", issue, actor, 0
        )
        await alice.request("DELETE", f"/rest/api/3/issue/{made['key']}")
        change = envelope(running[1], "jira:issue_created", payload, 1)
        assert isinstance(change, IssueChanged)
        result = await handle(change, None, CONFIG, applier, NOW)
        assert result.retry is not None  # the pair looks again later (and finds it gone)
        assert result.state is not None
        assert result.state.failure is not None
        assert running[2].emulator.issues == {}
