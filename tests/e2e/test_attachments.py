"""Attachments through the real pipeline (ingress, Kafka, the worker process, two emulated
sites over HTTP): a file added on either side arrives on the other with the same bytes and
never comes back; the mapping file's limit and globs, and the other site's own limit (413),
leave a file out with a warning on the pair; deleting an original deletes its copy, deleting
a copy deletes nothing more; a 50 MB file is streamed across while the worker's memory
grows by a fraction of it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import HUMANS, SYNC_ACCOUNT

pytestmark = pytest.mark.integration

MB = 1024 * 1024
CHUNK = 64 * 1024
UPLOADS = "/attachments"


def chunks_of(data: bytes) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]

    return chunks()


def file_chunks(path: Path) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk

    return chunks()


async def attach(p: Pipeline, site: int, key: str, name: str, chunks: AsyncIterator[bytes]) -> str:
    """A person attaches a file (multipart, with the XSRF header): its id."""
    who = HUMANS[site]
    token = base64.b64encode(f"{who}@example.com:{who}-token".encode()).decode()
    form = aiohttp.MultipartWriter("form-data")
    part = form.append_payload(aiohttp.payload.AsyncIterablePayload(chunks))
    part.set_content_disposition("form-data", name="file", filename=name)
    headers = {"Authorization": f"Basic {token}", "X-Atlassian-Token": "no-check"}
    url = f"{p.sites[site].base_url}/rest/api/3/issue/{key}/attachments"
    async with p.session.post(url, data=form, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        return str((await answer.json())[0]["id"])


def files(p: Pipeline, site: int, key: str) -> dict[str, Any]:
    """The issue's files by name (the emulator's stored files: size, sha256, id)."""
    issue = p.issues(site)[key]
    stored = p.sites[site].emulator.site.attachments.files
    return {f.filename: f for f in stored.values() if f.issue_id == issue.id}


def uploads_by_sync(p: Pipeline, site: int) -> int:
    """The files the sync account attached there (a refused upload is not one)."""
    return sum(
        1
        for c in p.sites[site].emulator.calls
        if c.email == SYNC_ACCOUNT
        and c.method == "POST"
        and c.path.endswith(UPLOADS)
        and c.status == 200
    )


async def twin_key(p: Pipeline, site: int, summary: str) -> str:
    await p.eventually(lambda: p.find(site, summary) is not None)
    twin = p.find(site, summary)
    assert twin is not None
    return twin.key


async def warnings(p: Pipeline) -> list[dict[str, Any]]:
    states = await p.pair_states()
    return [w for state in states.values() for w in state.get("warnings", [])]


async def test_attachments_travel_both_ways_once_with_limits_and_deletions(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('attachments: {max_bytes: 1000, exclude: ["*.tmp"]}\n')
    env = {"MAPPING_FILE": str(mapping)}
    limits = {1: {"attachment_limit": 500}}  # site 1 refuses files over 500 bytes (413)
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env, site_options=limits) as p:
        one = await p.create(1, "With files")
        two = await twin_key(p, 2, "With files")
        notes, reply = os.urandom(100), os.urandom(200)
        await attach(p, 1, one, "notes.txt", chunks_of(notes))
        await attach(p, 2, two, "reply.txt", chunks_of(reply))
        await p.eventually(lambda: "notes.txt" in files(p, 2, two))
        await p.eventually(lambda: "reply.txt" in files(p, 1, one))
        await p.quiet()
        assert files(p, 2, two)["notes.txt"].sha256 == hashlib.sha256(notes).hexdigest()
        assert files(p, 1, one)["reply.txt"].sha256 == hashlib.sha256(reply).hexdigest()
        assert (uploads_by_sync(p, 1), uploads_by_sync(p, 2)) == (1, 1)  # no echo copied
        assert sorted(files(p, 1, one)) == sorted(files(p, 2, two)) == ["notes.txt", "reply.txt"]

        await attach(p, 2, two, "big.log", chunks_of(b"x" * 2000))  # over the mapping's limit
        await attach(p, 1, one, "scratch.tmp", chunks_of(b"tmp"))  # excluded by name
        await attach(p, 2, two, "wide.txt", chunks_of(b"w" * 800))  # over site 1's limit
        await p.eventually(async_has_warnings(p, 2))
        await p.quiet()
        codes = [w for w in await warnings(p) if w["code"] == "attachment-too-large"]
        assert len(codes) == 2, codes
        assert any("big.log" in w["message"] for w in codes)
        assert any("wide.txt" in w["message"] and "refused" in w["message"] for w in codes)
        assert sorted(files(p, 2, two)) == ["big.log", "notes.txt", "reply.txt", "wide.txt"]
        assert sorted(files(p, 1, one)) == ["notes.txt", "reply.txt", "scratch.tmp"]

        await p.call(1, "DELETE", f"/rest/api/3/attachment/{files(p, 1, one)['notes.txt'].id}")
        await p.eventually(lambda: "notes.txt" not in files(p, 2, two))
        copy_of_reply = files(p, 1, one)["reply.txt"].id  # a copy: its deletion stays there
        await p.call(1, "DELETE", f"/rest/api/3/attachment/{copy_of_reply}")
        await p.quiet()
        assert "reply.txt" in files(p, 2, two)
        assert "reply.txt" not in files(p, 1, one)
        assert (uploads_by_sync(p, 1), uploads_by_sync(p, 2)) == (1, 1)

        await p.send_command({"full_resync": True})  # every file looked at again: no change
        await asyncio.sleep(2)
        await p.quiet()
        assert (uploads_by_sync(p, 1), uploads_by_sync(p, 2)) == (1, 1)
        assert sorted(files(p, 1, one)) == ["scratch.tmp"]
        assert sorted(files(p, 2, two)) == ["big.log", "reply.txt", "wide.txt"]


def async_has_warnings(p: Pipeline, count: int) -> Any:
    async def check() -> bool:
        found = [w for w in await warnings(p) if w["code"] == "attachment-too-large"]
        return len(found) >= count

    return check


def reset_peak(pid: int) -> None:
    """The process's peak resident memory (VmHWM) starts again from its current size."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def memory_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {name} for process {pid}")


async def test_a_50_mb_file_is_streamed_with_little_worker_memory(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with big.open("wb") as out:
        for _ in range(50 * MB // CHUNK):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            out.write(chunk)
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        one = await p.create(1, "A large file")
        two = await twin_key(p, 2, "A large file")
        await p.quiet()
        pid = p.workers[0].pid
        reset_peak(pid)
        before = memory_kb(pid, "VmRSS")
        await attach(p, 1, one, "big.bin", file_chunks(big))
        await p.eventually(lambda: "big.bin" in files(p, 2, two), within=90)
        await p.quiet()
        grown = (memory_kb(pid, "VmHWM") - before) / 1024
        copy = files(p, 2, two)["big.bin"]
        assert (copy.size, copy.sha256) == (50 * MB, digest.hexdigest())
        assert grown < 20, f"the worker's peak memory grew by {grown:.1f} MB for 50 MB"
        assert (uploads_by_sync(p, 1), uploads_by_sync(p, 2)) == (0, 1)  # nothing back
