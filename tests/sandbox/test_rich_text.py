"""ADF as JIRA stores it: every node type kept as given on description, comment and a
textarea field; a document outside ADF's schema refused with ``INVALID_INPUT``; webhooks
still carry wiki text."""

from __future__ import annotations

import copy
import json
from typing import Any

import aiohttp
import pytest

from tests.sandbox.adf_documents import EVERY_NODE, paragraph, text
from tests.sandbox.conftest import Jira, Receiver, StartSite

ISSUE = "/rest/api/3/issue"
TEXTAREA = "customfield_10100"


async def test_every_node_type_is_stored_and_returned_as_given(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = Jira(session, (await start_site(textarea_field_id=TEXTAREA)).base_url)
    key = await jira.create(description=EVERY_NODE, **{TEXTAREA: EVERY_NODE})
    answer = await jira.get(f"{ISSUE}/{key}?fields=description,{TEXTAREA}")
    assert answer.body["fields"]["description"] == EVERY_NODE
    assert answer.body["fields"][TEXTAREA] == EVERY_NODE
    posted = await jira.post(f"{ISSUE}/{key}/comment", {"body": EVERY_NODE})
    assert posted.status == 201, posted.body
    comment = await jira.get(f"{ISSUE}/{key}/comment/{posted.body['id']}")
    assert comment.body["body"] == EVERY_NODE


def _broken(path: str, value: Any) -> dict[str, Any]:
    """EVERY_NODE with the node at ``path`` (content indexes, dot separated) replaced."""
    doc = copy.deepcopy(EVERY_NODE)
    *parents, last = [int(step) for step in path.split(".")]
    node = doc
    for step in parents:
        node = node["content"][step]
    node["content"][last] = value
    return doc


INVALID = {
    "unknown node": _broken("0", {"type": "marquee", "content": [text("x")]}),
    "inline at top level": _broken("0", text("loose")),
    "heading level 7": _broken("0", {"type": "heading", "attrs": {"level": 7}, "content": []}),
    "paragraph in a list": _broken("2.0", paragraph(text("not an item"))),
    "empty list": _broken("2", {"type": "bulletList", "content": []}),
    "unknown mark": _broken("1.0", text("x", {"type": "blink"})),
    "link without href": _broken("1.3", text("x", {"type": "link", "attrs": {}})),
    "marked code": _broken("4.0", text("x", {"type": "strong"})),
    "empty text": _broken("1.0", {"type": "text", "text": ""}),
    "mention without id": _broken("1.5", {"type": "mention", "attrs": {"text": "@A"}}),
    "status colour": _broken("1.9", {"type": "status", "attrs": {"text": "X", "color": "pink"}}),
    "panel type": _broken("5", {"type": "panel", "attrs": {"panelType": "x"}, "content": []}),
    "media outside mediaSingle": _broken("1.0", {"type": "media", "attrs": {"id": "a"}}),
    "cell outside a row": _broken("3.0", {"type": "tableCell", "content": []}),
    "rule with content": _broken("7", {"type": "rule", "content": [text("x")]}),
    "version 2": EVERY_NODE | {"version": 2},
}


@pytest.mark.parametrize("name", sorted(INVALID))
async def test_a_document_outside_adf_is_invalid_input(jira: Jira, name: str) -> None:
    key = await jira.create()
    answer = await jira.put(f"{ISSUE}/{key}", {"fields": {"description": INVALID[name]}})
    assert (answer.status, answer.body["errors"]) == (400, {"description": "INVALID_INPUT"})
    comment = await jira.post(f"{ISSUE}/{key}/comment", {"body": INVALID[name]})
    assert (comment.status, comment.body["errors"]) == (400, {"comment": "INVALID_INPUT"})


async def test_webhooks_carry_wiki_text_of_rich_fields(
    start_site: StartSite, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    running = await start_site(textarea_field_id=TEXTAREA, webhook_url=receiver.url)
    await Jira(session, running.base_url).create(description=EVERY_NODE, **{TEXTAREA: EVERY_NODE})
    created = json.loads((await receiver.wait_for(1))[0].body)
    wiki = created["issue"]["fields"]["description"]
    assert created["issue"]["fields"][TEXTAREA] == wiki
    assert isinstance(wiki, str)
    for fragment in ("h2. Overview", "{*}bold {*}", "[the spec|https://example.com/spec]",
                     "[~accountid:712020:alice]", "||A||B||", "|1|2|", "{code:python}",
                     "{panel}", "bq. quoted", "----", "!screenshot.png|thumbnail!", "2026-01-01",
                     "IN REVIEW", "* outer", "*# inner", "*#* deep"):  # fmt: skip
        assert fragment in wiki, (fragment, wiki)
