"""Hostile deliveries (issue 16, item 10e): a missing or malformed signature header is
refused before the body is read, and only so many bodies are read at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ingress.context import IngressOptions
from tests.ingress.conftest import MakeHarness, sample, signed


def stalled(first: bytes, release: asyncio.Event) -> AsyncIterator[bytes]:
    """A body that sends ``first`` and then nothing until ``release`` is set."""

    async def chunks() -> AsyncIterator[bytes]:
        yield first
        await release.wait()

    return chunks()


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"X-Hub-Signature": "nonsense"},
        {"X-Hub-Signature": "sha256="},
        {"X-Hub-Signature": "sha1=" + "ab" * 20},
        {"X-Hub-Signature": "sha256=" + "zz" * 32},
        {"X-Hub-Signature": "sha256=" + "ab" * 300},
    ],
)
async def test_a_bad_signature_header_is_refused_without_reading_the_body(
    make_harness: MakeHarness, headers: dict[str, str]
) -> None:
    harness = await make_harness()
    release = asyncio.Event()
    try:
        response = await asyncio.wait_for(
            harness.client.post("/webhook/jira1", data=stalled(b"{", release), headers=headers),
            timeout=5.0,
        )
    finally:
        release.set()
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    assert harness.publisher.records == []


async def test_only_so_many_bodies_are_read_at_once(make_harness: MakeHarness) -> None:
    options = IngressOptions(publish_timeout=0.5, max_concurrent_reads=1, read_slot_wait=0.2)
    harness = await make_harness(options=options)
    body = sample()
    release = asyncio.Event()
    slow = asyncio.ensure_future(
        harness.client.post("/webhook/jira1", data=stalled(body, release), headers=signed(body))
    )
    await asyncio.sleep(0.3)  # the slow sender holds the only slot
    busy = await harness.client.post("/webhook/jira2", data=body, headers=signed(body))
    assert busy.status == 503
    assert busy.headers["Retry-After"] == str(options.retry_after)
    assert (await busy.json())["error"] == "busy"
    release.set()
    assert (await slow).status == 202
    accepted = await harness.client.post("/webhook/jira2", data=body, headers=signed(body))
    assert accepted.status == 202
