"""The client's partner calls against the emulator over HTTP, with the contract checked:
attachments streamed both ways (memory measured), issue links, creating under a parent."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from streams.jira.client import JiraClient
from streams.jira.errors import NotFound
from streams.jira.files import AttachmentTooLarge
from streams.jira.ratelimit import SiteLimiter
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy, SiteAuth
from tests.jira.test_client import VIOLATIONS
from tests.jira.test_client import contract as contract  # the module's contract, checked at its end

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, jitter=0.0)
MB = 1024 * 1024
CHUNK = 64 * 1024


@asynccontextmanager
async def site_and_client(
    contract: OpenApiContract, **config: object
) -> AsyncIterator[tuple[RunningSite, JiraClient]]:
    settings = SiteConfig(project_key="PROJ1", contract=contract, **config)  # type: ignore[arg-type]
    async with serve_emulator(settings) as site:
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth, FAST, SiteLimiter({}), 10.0) as client:
            try:
                yield site, client
            finally:
                VIOLATIONS.extend(site.emulator.contract_violations)


def task(summary: str = "An issue", kind: str = "Task") -> dict[str, object]:
    return {"project": {"key": "PROJ1"}, "issuetype": {"name": kind}, "summary": summary}


async def chunks_of(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def test_a_large_file_is_copied_in_chunks_never_whole_in_memory(
    contract: OpenApiContract, tmp_path: Path
) -> None:
    original, copy = tmp_path / "big.bin", tmp_path / "copy.bin"
    with original.open("wb") as out:
        for _ in range(20 * MB // CHUNK):
            out.write(os.urandom(CHUNK))
    async with site_and_client(contract) as (_, client):
        key = (await client.create_issue(task())).key
        tracemalloc.start()
        try:
            added = await client.add_attachment(key, "big.bin", chunks_of(original))
            with copy.open("wb") as out:
                async for chunk in client.attachment_content(added.id):
                    out.write(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (added.size, added.filename) == (20 * MB, "big.bin")
        assert sha256(copy) == sha256(original)
        assert peak < 4 * MB, f"peak {peak / MB:.1f} MB for a 20 MB file"
        listed = (await client.get_issue(key, fields=["attachment"])).fields["attachment"]
        assert [item["id"] for item in listed] == [added.id]


async def test_metadata_limit_too_large_and_delete(contract: OpenApiContract) -> None:
    async with site_and_client(contract, attachment_limit=10) as (site, client):
        key = (await client.create_issue(task())).key
        assert await client.attachment_limit() == 10

        async def content(data: bytes) -> AsyncIterator[bytes]:
            yield data

        with pytest.raises(AttachmentTooLarge):
            await client.add_attachment(key, "big.txt", content(b"x" * 11))
        added = await client.add_attachment(key, "a.txt", content(b"hello"), "text/plain")
        stored = site.emulator.site.attachments.files[added.id]
        assert await client.media_id(added.id) == stored.media_id  # what ADF media nodes name
        meta = await client.attachment(added.id)
        assert (meta.id, meta.size, meta.mime_type) == (added.id, 5, "text/plain")
        await client.delete_attachment(added.id)
        with pytest.raises(NotFound):
            await client.attachment(added.id)


async def test_links_by_type_name_read_back_and_removed(contract: OpenApiContract) -> None:
    link_types = (("Dependency", "is required by", "depends on"),)
    async with site_and_client(contract, link_types=link_types) as (_, client):
        one, two = (
            (await client.create_issue(task("one"))).key,
            (await client.create_issue(task("two"))).key,
        )
        [kind] = await client.link_types()
        assert (kind.name, kind.inward, kind.outward) == (
            "Dependency",
            "is required by",
            "depends on",
        )
        await client.link_issues("Dependency", one, two)
        await client.link_issues("Dependency", one, two)  # idempotent
        [on_one], [on_two] = await client.issue_links(one), await client.issue_links(two)
        assert on_one.outward_issue is not None
        assert on_one.outward_issue["key"] == two
        assert on_two.inward_issue is not None
        assert (on_two.id, on_two.inward_issue["key"]) == (on_one.id, one)
        await client.delete_link(on_one.id)
        assert await client.issue_links(one) == []


async def test_create_under_a_parent(contract: OpenApiContract) -> None:
    types = {"epic_types": ("Epic",), "subtask_types": ("Sub-task",)}
    async with site_and_client(contract, **types) as (_, client):
        epic = await client.create_issue(task("epic", "Epic"))
        story = await client.create_issue(task("story"), parent=epic.key)
        sub = await client.create_issue(task("sub", "Sub-task"), parent=story.id)
        parent_of_sub = (await client.get_issue(sub.key, fields=["parent"])).fields["parent"]
        assert parent_of_sub["key"] == story.key
        shown = (await client.get_issue(story.key, fields=["parent", "subtasks"])).fields
        assert (shown["parent"]["key"], [s["key"] for s in shown["subtasks"]]) == (
            epic.key,
            [sub.key],
        )
