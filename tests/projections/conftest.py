"""Fixtures of the projection tests: pair states, stores (memory and DynamoDB Local), Kafka."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from projections.dynamo_table import delete_table, dynamodb_client
from projections.dynamodb import DynamoStore
from projections.store import MemoryStore, ProjectionStore
from streams.settings import Settings
from streams.state import FieldConflict, IssueRef, PairFailure, PairState, PairStatus, PairWarning
from tests.infra import isolated_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

API_KEY = "projections-test-key"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_settings(**overrides: Any) -> Settings:
    """Settings from these values only (never from the developer's environment or .env)."""
    defaults: dict[str, Any] = {
        "management_api_key": API_KEY,
        "kafka_topic_prefix": "jira-sync-test",
        "kafka_partitions": 3,
    }
    return isolated_settings(**{**defaults, **overrides})


def pair_state(
    number: int,
    version: int = 1,
    status: PairStatus = PairStatus.SYNCED,
    minutes: int | None = None,
    **fields: Any,
) -> PairState:
    """Pair ``1:<10000+number>`` (PROJ1-<number> # PROJ2-<number>) at ``version``."""
    at = T0 + timedelta(minutes=number if minutes is None else minutes, seconds=version)
    values: dict[str, Any] = {
        "pair_id": f"1:{10000 + number}",
        "version": version,
        "origin": 1,
        "site1": IssueRef(site=1, id=str(10000 + number), key=f"PROJ1-{number}"),
        "site2": IssueRef(site=2, id=str(20000 + number), key=f"PROJ2-{number}"),
        "status": status,
        "last_synced_at": {"1": at, "2": at - timedelta(seconds=30)},
        "counters": {"syncs": version},
        "updated_at": at,
    }
    values.update(_status_details(status, at))
    values.update(fields)
    return PairState(**values)


def _status_details(status: PairStatus, at: datetime) -> dict[str, Any]:
    if status is PairStatus.CONFLICTED:
        conflict = FieldConflict(
            field="summary", base="old", site1="ours", site2={"theirs": [1.5, None]}, detected_at=at
        )
        return {"conflicts": {"summary": conflict}}
    if status is PairStatus.FAILED:
        failure = PairFailure(reason="400 field not on screen", retryable=False, at=at)
        warning = PairWarning(code="field-not-on-screen", message="priority", at=at)
        return {"failure": failure, "warnings": [warning]}
    if status is PairStatus.PENDING:
        return {"site2": None}
    return {}


def dynamo_client(endpoint: str) -> DynamoDBClient:
    return dynamodb_client(endpoint, "us-east-1")


def scan_table(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """Every item of the table, raw, ordered by pair id."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        answer = client.scan(**request)
        items += answer.get("Items", [])
        if not answer.get("LastEvaluatedKey"):
            return sorted(items, key=lambda item: str(item["pair_id"]["S"]))
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


@pytest.fixture
def dynamo_table(dynamodb_endpoint: str, unique_name: str) -> Iterator[str]:
    """A table name of this test; the table is deleted afterwards."""
    yield unique_name
    delete_table(dynamo_client(dynamodb_endpoint), unique_name)


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ProjectionStore]:
    """Every store implementation, for the one contract suite."""
    if request.param == "memory":
        yield MemoryStore()
        return
    table: str = request.getfixturevalue("dynamo_table")
    endpoint: str = request.getfixturevalue("dynamodb_endpoint")
    dynamo = DynamoStore(dynamo_client(endpoint), table)
    await dynamo.ensure()
    yield dynamo
    await dynamo.close()


async def create_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        config = {"cleanup.policy": "compact"}
        await admin.create_topics([NewTopic(topic, partitions, 1, topic_configs=config)])
    finally:
        await admin.close()


async def publish(bootstrap: str, topic: str, states: Iterable[PairState]) -> None:
    """Publish like the engine does: keyed by pair id, acknowledged by the broker."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for state in states:
            await producer.send_and_wait(topic, state.to_bytes(), key=state.pair_id.encode())
    finally:
        await producer.stop()


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``check`` every 0.1 s until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within:g} s")
        await asyncio.sleep(0.1)
