"""Fixtures of the ingress tests: settings, signed requests, an app on a memory publisher."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.health import Probe
from ingress.publisher import MemoryPublisher
from ingress.server import build_app
from streams.jira.signature import sign
from streams.settings import Settings
from tests.infra import WEBHOOK_SAMPLES, isolated_settings

SECRET = "It's a Secret to Everybody"
API_KEY = "test-management-key"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
Client = TestClient[web.Request, web.Application]


def sample_paths() -> list[Path]:
    return sorted(WEBHOOK_SAMPLES.glob("*.json"))


def sample(name: str = "webhook-issue-created.json") -> bytes:
    return (WEBHOOK_SAMPLES / name).read_bytes()


def make_settings(**overrides: Any) -> Settings:
    """Settings from these values only (never from the developer's environment or .env)."""
    defaults: dict[str, Any] = {
        "webhook_secret": SECRET,
        "webhook_secret_1": None,
        "webhook_secret_2": None,
        "management_api_key": API_KEY,
        "kafka_topic_prefix": "jira-sync-test",
        "kafka_partitions": 2,
    }
    return isolated_settings(**{**defaults, **overrides})


def signed(
    body: bytes, secret: str = SECRET, identifier: str | None = None, retry: int | None = None
) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Hub-Signature": sign(body, secret)}
    if identifier is not None:
        headers["X-Atlassian-Webhook-Identifier"] = identifier
    if retry is not None:
        headers["X-Atlassian-Webhook-Retry"] = str(retry)
    return headers


def api_key(key: str = API_KEY) -> dict[str, str]:
    return {"X-API-Key": key}


@dataclass
class Harness:
    client: Client
    publisher: MemoryPublisher
    app: web.Application

    def published(self, topic: str) -> list[dict[str, Any]]:
        return [json.loads(record.value) for record in self.publisher.on(topic)]


class MakeHarness(Protocol):
    def __call__(
        self,
        settings: Settings | None = None,
        options: IngressOptions | None = None,
        probes: Mapping[str, Probe] | None = None,
        publisher: MemoryPublisher | None = None,
    ) -> Awaitable[Harness]: ...


@pytest.fixture
async def make_harness() -> AsyncIterator[MakeHarness]:
    """Build apps on a ``MemoryPublisher``, served on a free port; all closed at the end."""
    clients: list[Client] = []
    ids = itertools.count(1)

    async def make(
        settings: Settings | None = None,
        options: IngressOptions | None = None,
        probes: Mapping[str, Probe] | None = None,
        publisher: MemoryPublisher | None = None,
    ) -> Harness:
        publisher = publisher or MemoryPublisher()
        app = create_app(
            settings or make_settings(),
            publisher,
            options or IngressOptions(publish_timeout=0.5),
            probes,
            clock=lambda: NOW,
            new_id=lambda: f"cmd-{next(ids)}",
        )
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return Harness(client, publisher, app)

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def harness(make_harness: MakeHarness) -> Harness:
    return await make_harness()


async def consume(
    bootstrap: str, topic: str, count: int, within: float = 30, linger: float = 1.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start until ``count`` records came, then ``linger`` for more."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(within):
            while len(records) < count:
                records += _flatten(await consumer.getmany(timeout_ms=500))
        records += _flatten(await consumer.getmany(timeout_ms=int(linger * 1000)))
    finally:
        await consumer.stop()
    return records


def _flatten(
    batch: Mapping[Any, list[ConsumerRecord[bytes, bytes]]],
) -> list[ConsumerRecord[bytes, bytes]]:
    return [record for records in batch.values() for record in records]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo ``configure_logging`` after a test."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def client(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[Client]:
    """The ingress in front of the session's real broker, under this test's topic prefix
    (``test_broker_outage`` has its own, on a broker it stops)."""
    settings = make_settings(
        kafka_bootstrap_servers=kafka_bootstrap, kafka_topic_prefix=unique_name
    )
    app = build_app(settings, IngressOptions(publish_timeout=10))
    async with TestClient(TestServer(app)) as client:
        yield client
