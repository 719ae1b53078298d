"""A broker outage on a dedicated broker: 503 while it is down, the retry published once.

The session broker is shared, so these tests start their own stack and stop and start
its Kafka alone (``Stack.stop_service`` / ``start_service``: same port, data kept).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaProducer

from ingress.context import IngressOptions
from ingress.server import build_app
from stack import Stack, StackHome, StackState, probes
from streams.topics import Topics
from streams.wire import decode_event
from tests.infra import shared_stack_home
from tests.ingress.conftest import Client, consume, make_settings, sample, signed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, StackState]]:
    home = StackHome(cache=shared_stack_home().cache, run=tmp_path_factory.mktemp("own-stack"))
    stack = Stack(home)
    state = stack.up(kafka_port=0, dynamodb_port=0)
    try:
        yield stack, state
    finally:
        stack.down()


@pytest.fixture
async def client(own_stack: tuple[Stack, StackState], unique_name: str) -> AsyncIterator[Client]:
    _, state = own_stack
    settings = make_settings(
        kafka_bootstrap_servers=state.kafka_bootstrap_servers, kafka_topic_prefix=unique_name
    )
    app = build_app(settings, IngressOptions(publish_timeout=1.0, retry_after=7))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_stopping_and_starting_kafka_keeps_its_port_and_data(
    own_stack: tuple[Stack, StackState], unique_name: str
) -> None:
    stack, state = own_stack
    bootstrap = state.kafka_bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(unique_name, b"kept", key=b"k")
    finally:
        await producer.stop()
    assert await asyncio.to_thread(stack.stop_service, "kafka")
    assert not await asyncio.to_thread(probes.kafka_answers, bootstrap, 1.0)
    assert not await asyncio.to_thread(stack.stop_service, "kafka")
    restarted = await asyncio.to_thread(stack.start_service, "kafka")
    assert restarted.port == state.kafka.port
    assert restarted.alive()
    assert await asyncio.to_thread(stack.start_service, "kafka") == restarted
    [record] = await consume(bootstrap, unique_name, 1, linger=0)
    assert (record.key, record.value) == (b"k", b"kept")


async def test_broker_down_gives_503_and_the_retry_is_published_once(
    own_stack: tuple[Stack, StackState], client: Client, unique_name: str
) -> None:
    stack, state = own_stack
    body = sample()
    before = await client.post(
        "/webhook/jira1", data=body, headers=signed(body, identifier="before")
    )
    assert before.status == 202
    await asyncio.to_thread(stack.stop_service, "kafka")
    began = time.monotonic()
    down = await client.post("/webhook/jira1", data=body, headers=signed(body, identifier="outage"))
    assert down.status == 503
    assert time.monotonic() - began < 5
    assert down.headers["Retry-After"] == "7"
    assert (await down.json())["error"] == "unavailable"
    await asyncio.to_thread(stack.start_service, "kafka")
    statuses = await retry_until_accepted(client, body, "outage")
    assert statuses[-1] == 202
    records = await consume(
        state.kafka_bootstrap_servers, Topics(unique_name).events(1), 2, linger=2
    )
    ids = [decode_event(record.value, record.headers).webhook_id for record in records]
    assert ids == ["before", "outage"]


async def retry_until_accepted(client: Client, body: bytes, identifier: str) -> list[int]:
    """What JIRA does: deliver again (same identifier) until it gets a 2xx."""
    statuses: list[int] = []
    async with asyncio.timeout(90):
        for attempt in range(1, 1000):
            headers = signed(body, identifier=identifier, retry=attempt)
            response = await client.post("/webhook/jira1", data=body, headers=headers)
            statuses.append(response.status)
            if response.status == 202:
                return statuses
            assert response.status == 503
            await asyncio.sleep(0.5)
    return statuses
