"""Rich text through the real pipeline (ingress, Kafka, worker process, two emulated sites
over HTTP). Webhook text is not ADF: an issue created on site 1 with a heading, bold, a
list and a link in its description arrives on site 2 with exactly the same text characters
(no wiki markup taken for text), and no read more than before: the router's read of the
new issue's link marker brings its rich text along. And ADF travels intact: a description
and a comment using every node type arrive as the same document (mentions through the user
map, a person known on one side only as ``@Name``), a formatting edit on site 2 comes back
to site 1, and nothing loops."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Issue
from sandbox.users import ALICE, User
from streams.jira.adf import canonical_adf
from tests.jira.test_rich_text import RICH, characters
from tests.sandbox.adf_documents import EVERY_NODE, paragraph, text

pytestmark = pytest.mark.integration


async def test_a_rich_description_arrives_without_markup_characters(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        key = await p.create(1, "Rich text", description=RICH)
        await p.eventually(lambda: p.find(2, "Rich text") is not None)
        await p.quiet()
        twin = p.find(2, "Rich text")
        assert twin is not None
        assert characters(twin.fields["description"]) == characters(RICH)
        origin = p.issues(1)[key]
        reads = [
            c.path
            for c in p.sites[1].emulator.calls
            if c.email == SYNC_ACCOUNT
            and c.method == "GET"
            and c.path in (f"/rest/api/3/issue/{origin.id}", f"/rest/api/3/issue/{key}")
        ]
        assert len(reads) == 1, reads  # the router's marker read, which carried the text


CAROL = "712020:carol-0003"  # a person with an account on site 1 only


def mention(account: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": account, "text": f"@{name}", "accessLevel": ""}}


def rich_document() -> dict[str, Any]:
    """Every node type a partner writes (files aside: attachments are not synced), Alice
    mentioned by her account (the same person on both sites, through the user map)."""
    document = copy.deepcopy(EVERY_NODE)
    document["content"] = [b for b in document["content"] if b["type"] != "mediaSingle"]
    document["content"][1]["content"][5] = mention(ALICE, "Alice Visible")
    return document


def description(issue: Issue) -> Any:
    return canonical_adf(issue.fields["description"])


async def test_rich_text_travels_as_adf_both_ways_and_settles(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f'users: {{"{ALICE}": "{ALICE}"}}\n')
    async with pipeline(
        kafka_bootstrap, unique_name, tmp_path, env={"MAPPING_FILE": str(mapping)}
    ) as p:
        p.sites[1].emulator.users.add(User(CAROL, "Carol Only", "carol@example.com"))
        written = rich_document()
        key = await p.create(1, "Rich ADF", description=written)
        await p.eventually(lambda: p.find(2, "Rich ADF") is not None)
        twin = p.find(2, "Rich ADF")
        assert twin is not None
        await p.eventually(lambda: description(twin) == canonical_adf(written))

        ping = [text("Ping "), mention(ALICE, "Alice Visible"), text(" and "),
                mention(CAROL, "Carol Only")]  # fmt: skip
        body = {"type": "doc", "version": 1, "content": [paragraph(*ping), *written["content"]]}
        made = await p.call(1, "POST", f"/rest/api/3/issue/{key}/comment", {"body": body})
        marker = f"[jira-sync 1:{made['id']}]"
        await p.eventually(lambda: len(twin.comments) == 1)
        [copied] = twin.comments
        header, *content = copied.body["content"]
        assert marker in header["content"][0]["text"]
        seen = [text("Ping "), mention(ALICE, "Alice Visible"), text(" and @Carol Only")]
        expected = {**body, "content": [paragraph(*seen), *written["content"]]}
        assert canonical_adf({**body, "content": content}) == canonical_adf(expected)

        edited = copy.deepcopy(twin.fields["description"])
        edited["content"][0]["attrs"]["level"] = 3  # a formatting edit on site 2
        edited["content"][2]["content"][0]["content"][0]["content"][0]["marks"] = [
            {"type": "strong"}
        ]
        await p.edit(2, twin.key, description=edited)
        origin = p.issues(1)[key]
        await p.eventually(lambda: description(origin) == canonical_adf(edited))
        await p.quiet()
        writes = (p.sync_writes(1), p.sync_writes(2))
        await p.quiet(still=3)
        assert (p.sync_writes(1), p.sync_writes(2)) == writes  # nothing loops
        assert description(origin) == description(twin) == canonical_adf(edited)
        assert len(origin.comments) == 1  # the copy never comes back

        back = await p.create(2, "Rich ADF from site 2", description=rich_document())
        await p.eventually(lambda: p.find(1, "Rich ADF from site 2") is not None)
        arrived = p.find(1, "Rich ADF from site 2")
        assert arrived is not None  # every node type the other way too
        await p.eventually(lambda: description(arrived) == canonical_adf(rich_document()))
        assert description(p.issues(2)[back]) == canonical_adf(rich_document())
