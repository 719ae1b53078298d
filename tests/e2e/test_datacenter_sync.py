"""A JIRA Cloud site paired with a JIRA Data Center site through the real pipeline (ingress,
Kafka, the worker process, the emulator's two flavours over HTTP): site 1 is Cloud (REST v3,
ADF, accountIds), site 2 is Data Center (REST v2, wiki markup stored as given, users by
username, the worker signed in with a personal access token).

Both ways: a create with rich text and a mention of Alice (her accountId on Cloud, her
username on Data Center, matched by her email), an edit, a status change, a comment with a
mention and markup; a panel, which wiki markup cannot hold, named on the pair; nothing
loops, no pair fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Issue
from sandbox.users import ALICE

pytestmark = pytest.mark.integration

DC = {2: {"flavour": "datacenter"}}
ENV = {"SYNC_ASSIGNEE": "true"}


def text(value: str, *marks: str) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": mark} for mark in marks]
    return node


def mention(account: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": account, "text": "@Alice Visible"}}


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def para(*inline: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


def heading(level: int, value: str) -> dict[str, Any]:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(value)]}


def nodes(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every node of ``kind`` in an ADF document."""
    if not isinstance(node, dict):
        return []
    found = [node] if node.get("type") == kind else []
    for child in node.get("content") or []:
        found += nodes(child, kind)
    return found


def status(issue: Issue | None) -> str | None:
    return issue.fields["status"]["name"] if issue is not None else None


async def _warned(p: Pipeline, code: str) -> dict[str, Any] | None:
    for state in (await p.pair_states()).values():
        for warning in state.get("warnings") or []:
            if warning.get("code") == code:
                return dict(warning)
    return None


async def settled(p: Pipeline) -> None:
    await p.quiet()
    states = (await p.pair_states()).values()
    assert not [s for s in states if s.get("failure") or s.get("conflicts")], states


async def test_a_cloud_site_and_a_data_center_site_sync_both_ways(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=DC, env=ENV) as p:
        # Cloud -> Data Center: ADF becomes wiki markup, Alice's accountId her username
        description = doc(
            heading(2, "Plan"),
            para(text("Ship it", "strong"), text(" with "), mention(ALICE), text(".")),
        )
        cloud_key = await p.create(
            1, "From Cloud", description=description, assignee={"accountId": ALICE}
        )
        await p.eventually(lambda: p.find(2, "From Cloud") is not None)
        # Data Center -> Cloud: wiki markup becomes ADF, a username Alice's accountId
        dc_key = await p.create(
            2,
            "From Data Center",
            description="h3. Steps\n\n*First* ask [~alice] about _it_.",
            assignee={"name": "alice"},
        )
        await p.eventually(lambda: p.find(1, "From Data Center") is not None)
        await settled(p)

        on_dc = p.find(2, "From Cloud")
        assert on_dc is not None
        stored = on_dc.fields["description"]
        assert isinstance(stored, str)  # Data Center keeps wiki markup, never ADF
        assert "h2. Plan" in stored
        assert "*Ship it*" in stored
        assert "[~alice]" in stored
        assert on_dc.fields["assignee"]["accountId"] == ALICE  # the site model's id of alice

        on_cloud = p.find(1, "From Data Center")
        assert on_cloud is not None
        document = on_cloud.fields["description"]
        assert [h["attrs"]["level"] for h in nodes(document, "heading")] == [3]
        assert [m["attrs"]["id"] for m in nodes(document, "mention")] == [ALICE]
        marks = {m["type"] for t in nodes(document, "text") for m in t.get("marks") or []}
        assert {"strong", "em"} <= marks
        assert on_cloud.fields["assignee"]["accountId"] == ALICE

        # an edit each way
        await p.edit(2, on_dc.key, summary="From Cloud, renamed on Data Center")
        await p.eventually(
            lambda: p.issues(1)[cloud_key].fields["summary"] == "From Cloud, renamed on Data Center"
        )
        await p.edit(1, on_cloud.key, description=doc(para(text("Rewritten", "em"))))
        await p.eventually(lambda: p.issues(2)[dc_key].fields["description"] == "_Rewritten_")

        # a status change each way
        await p.transition(2, on_dc.key, "In Progress")
        await p.eventually(lambda: status(p.issues(1)[cloud_key]) == "In Progress")
        await p.transition(1, on_cloud.key, "In Progress")
        await p.eventually(lambda: status(p.issues(2)[dc_key]) == "In Progress")

        # a comment each way, with a mention
        body = doc(para(text("Looks good", "strong"), text(" "), mention(ALICE)))
        await p.call(1, "POST", f"/rest/api/3/issue/{cloud_key}/comment", {"body": body})
        await p.eventually(lambda: bool(p.issues(2)[on_dc.key].comments))
        wiki = "Agreed, [~alice]: -not- _now_"
        await p.call(2, "POST", f"/rest/api/2/issue/{dc_key}/comment", {"body": wiki})
        await p.eventually(lambda: bool(p.issues(1)[on_cloud.key].comments))
        await settled(p)

        [copied] = p.issues(2)[on_dc.key].comments
        assert isinstance(copied.body, str)
        assert "*Looks good*" in copied.body
        assert "[~alice]" in copied.body
        [back] = p.issues(1)[on_cloud.key].comments
        assert [m["attrs"]["id"] for m in nodes(back.body, "mention")] == [ALICE]
        marks = {m["type"] for t in nodes(back.body, "text") for m in t.get("marks") or []}
        assert {"strike", "em"} <= marks

        # what wiki markup cannot hold is named on the pair
        panel = {"type": "panel", "attrs": {"panelType": "warning"}, "content": [para(text("Hot"))]}
        await p.edit(1, cloud_key, description=doc(panel))
        await p.eventually(lambda: "Hot" in str(p.issues(2)[on_dc.key].fields["description"]))

        async def loss_named() -> bool:
            return await _warned(p, "rich-text-loss") is not None

        await p.eventually(loss_named)
        warning = await _warned(p, "rich-text-loss")
        assert warning is not None
        assert "panel type" in warning["message"]
        await settled(p)
        # the copy without the panel's type is what the pair knows Data Center holds: a
        # person's edit there carries their edit back, not the loss
        await p.edit(2, on_dc.key, summary="Renamed again on Data Center")
        await p.eventually(
            lambda: p.issues(1)[cloud_key].fields["summary"] == "Renamed again on Data Center"
        )
        await settled(p)
        [kept] = p.issues(1)[cloud_key].fields["description"]["content"]
        assert kept["attrs"]["panelType"] == "warning"

        # nothing loops: the sync's own writes stay where they are
        writes = (p.sync_writes(1), p.sync_writes(2))
        await p.quiet(still=6.0)
        assert (p.sync_writes(1), p.sync_writes(2)) == writes
        assert len(p.issues(1)) == len(p.issues(2)) == 2
        assert p.issues(2)[dc_key].comments[0].body == wiki  # the origin is untouched
        dc_calls = p.sites[2].emulator.calls
        assert not [c for c in dc_calls if c.path.startswith("/rest/api/3")]
        assert any(c.email and c.email.startswith(SYNC_ACCOUNT) for c in dc_calls)
