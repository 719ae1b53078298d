"""Graceful shutdown: in-flight requests finish and their records are flushed first."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.publisher import MemoryPublisher
from tests.ingress.conftest import Client, make_settings, sample, signed


async def wait_until_publishing(publisher: MemoryPublisher) -> None:
    """Until a publication waits at the gate (polling: the fake has no event for it)."""
    async with asyncio.timeout(5):
        while not publisher.waiting:  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def test_an_in_flight_request_is_answered_before_the_publisher_closes() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    app = create_app(make_settings(), publisher, IngressOptions(publish_timeout=5))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    body = sample()
    request = asyncio.create_task(client.post("/webhook/jira1", data=body, headers=signed(body)))
    await wait_until_publishing(publisher)
    closing = asyncio.create_task(client.server.close())
    await asyncio.sleep(0.1)
    assert not closing.done()
    assert not publisher.closed
    publisher.gate.set()
    response = await request
    assert response.status == 202
    await closing
    assert publisher.closed
    assert len(publisher.records) == 1
    await client.close()


async def test_publications_answered_503_still_get_a_chance_to_land_on_shutdown() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    options = IngressOptions(publish_timeout=0.05, drain_timeout=5)
    app = create_app(make_settings(), publisher, options)
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    body = sample()
    response = await client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 503
    closing = asyncio.create_task(client.close())
    await asyncio.sleep(0.1)
    assert not publisher.closed
    publisher.gate.set()
    await closing
    assert publisher.closed
    assert len(publisher.records) == 1
