"""Acceptance on the real broker and DynamoDB Local: the ``jira-sync projections`` app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from jira_sync.cli import main
from projections.consumer import Projector, ProjectorOptions
from projections.fold import project
from projections.kafka import consumer_lag, group_consumer
from projections.model import PairItem
from projections.service import ServeOptions, build_app, dynamo_store, kafka_options
from projections.store import MemoryStore, WriteResult
from streams.settings import Settings
from streams.state import PairState, PairStatus
from tests.projections.conftest import (
    API_KEY,
    create_topic,
    dynamo_client,
    eventually,
    make_settings,
    pair_state,
    publish,
    scan_table,
)

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
KEY = {"X-API-Key": API_KEY}
STATES = list(PairStatus)


@pytest.fixture
async def settings(kafka_bootstrap: str, dynamodb_endpoint: str, dynamo_table: str) -> Settings:
    settings = make_settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        dynamodb_endpoint_url=dynamodb_endpoint,
        kafka_topic_prefix=dynamo_table,
        dynamodb_table=dynamo_table,
    )
    await create_topic(kafka_bootstrap, kafka_options(settings).topic)
    return settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    app = build_app(settings, ServeOptions(host="127.0.0.1", port=0, max_records=7))
    async with TestClient(TestServer(app)) as client:
        yield client


def history(pairs: int = 12) -> list[PairState]:
    """Versions 1..3 of each pair, the last one in a state that depends on the pair."""
    return [
        pair_state(n, version, STATES[n % 5] if version == 3 else PairStatus.PENDING)
        for n in range(1, pairs + 1)
        for version in (1, 2, 3)
    ]


async def caught_up(client: Client, total: int) -> bool:
    body = await (await client.get("/status", headers=KEY)).json()
    lag = body["consumer"]["lag"]
    done = all(t["total"] == 0 and t["partitions"] for t in lag.values())
    return body["total"] == total and bool(lag) and done


async def test_states_become_items_that_never_regress_and_status_pages_through_them(
    client: Client, settings: Settings
) -> None:
    states = history()
    reordered = states[3:][::-1] + states[:3]  # newest first: every older version comes late
    topic = kafka_options(settings).topic
    await publish(settings.kafka_bootstrap_servers, topic, reordered + states)  # + redelivery
    await eventually(partial(caught_up, client, 12), what="projection caught up")
    store = dynamo_store(settings)
    latest = {s.pair_id: project(s) for s in states if s.version == 3}
    assert {pid: await store.get(pid) for pid in latest} == latest
    before = scan_table(dynamo_client(str(settings.dynamodb_endpoint_url)), settings.dynamodb_table)
    await publish(settings.kafka_bootstrap_servers, topic, states[:9])  # a replay of old events
    await eventually(partial(caught_up, client, 12), what="old events consumed")
    after = scan_table(dynamo_client(str(settings.dynamodb_endpoint_url)), settings.dynamodb_table)
    assert after == before
    await _check_status(client)


async def _check_status(client: Client) -> None:
    body = await (await client.get("/status", headers=KEY)).json()
    expected = {
        state.value: sum(1 for n in range(1, 13) if STATES[n % 5] == state) for state in STATES
    }
    assert body["counts"] == expected
    assert body["status"] == "ok"
    assert body["consumer"]["running"] is True
    names = await _page_through(client, "synced", 1)
    assert names == [f"PROJ1-{n}#PROJ2-{n}" for n in (11, 6, 1)]
    assert (await client.get("/syncs?state=failed")).status == 401
    one = await client.get("/syncs/PROJ1-4%23PROJ2-4", headers=KEY)
    assert (await one.json())["state"] == STATES[4].value


async def _page_through(client: Client, state: str, limit: int) -> list[str]:
    names: list[str] = []
    cursor = ""
    for _ in range(10):
        response = await client.get(f"/syncs?state={state}&limit={limit}{cursor}", headers=KEY)
        body = await response.json()
        names += [item["sync_id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return names
        cursor = f"&cursor={body['next_cursor']}"
    raise AssertionError("too many pages")


async def test_replay_rebuilds_a_deleted_table_exactly(client: Client, settings: Settings) -> None:
    await publish(settings.kafka_bootstrap_servers, kafka_options(settings).topic, history(30))
    await eventually(partial(caught_up, client, 30), what="projection caught up")
    endpoint = str(settings.dynamodb_endpoint_url)
    before = scan_table(dynamo_client(endpoint), settings.dynamodb_table)
    assert len(before) == 31  # 30 pairs and the totals
    dynamo_client(endpoint).delete_table(TableName=settings.dynamodb_table)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "DYNAMODB_TABLE": settings.dynamodb_table,
    }
    args = ["replay", "--projections", "--yes", "--env-file", "/nonexistent/.env"]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "90 record(s), 30 write(s)" in result.output
    assert scan_table(dynamo_client(endpoint), settings.dynamodb_table) == before


class FlakyStore(MemoryStore):
    """Fails its first writes; each time records the group's lag as Kafka sees it."""

    def __init__(self, settings: Settings, failures: int) -> None:
        super().__init__()
        self._settings, self._failures = settings, failures
        self.lag_while_failing: list[int] = []

    async def write(self, items: Sequence[PairItem]) -> WriteResult:
        if self._failures:
            self._failures -= 1
            lag = await consumer_lag(kafka_options(self._settings))
            self.lag_while_failing.append(lag.total)
            raise ConnectionError("DynamoDB is down")
        return await super().write(items)


async def test_offsets_are_committed_only_after_the_items_are_written(settings: Settings) -> None:
    kafka = kafka_options(settings)
    store = FlakyStore(settings, failures=3)
    options = ProjectorOptions(max_records=100, first_retry=0.05)
    projector = Projector(partial(group_consumer, kafka, 100), store, options)
    await publish(settings.kafka_bootstrap_servers, kafka.topic, history(4))
    task = asyncio.create_task(projector.run())
    try:
        await eventually(lambda: _committed(settings), what="offsets committed")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await projector.close()
    assert store.lag_while_failing == [12, 12, 12]
    assert projector.stats.applied == 4
    assert [await store.get(f"1:{10000 + n}") for n in range(1, 5)] == [
        project(pair_state(n, 3, STATES[n % 5])) for n in range(1, 5)
    ]


async def _committed(settings: Settings) -> bool:
    lag: Any = await consumer_lag(kafka_options(settings))
    return bool(lag.partitions) and lag.total == 0
