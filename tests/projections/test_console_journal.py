"""On the real broker: one pair's journal records read from its partition alone, and
``jira-sync history`` printing them (a pair id, and a sync id found on the sync-state topic)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner

from jira_sync.cli import main
from projections.console_kafka import pair_records
from projections.kafka import KafkaOptions
from streams.topics import Topics
from tests.projections.conftest import create_topic, pair_state, publish

pytestmark = pytest.mark.integration


def step(pair: str, n: int) -> dict[str, object]:
    return {
        "v": 2,
        "kind": "step",
        "pair": pair,
        "at": f"2026-01-02T03:04:{n:02d}+00:00",
        "input": {"type": "change", "site": 1, "kind": "updated", "issue_key": f"PROJ1-{n}"},
        "events": [{"type": "FieldsWritten", "site": 2, "values": {"summary": "x"}}],
        "before": None,
        "after": f"digest{n:02d}",
    }


async def test_a_pairs_records_come_from_its_partition_in_order(
    kafka_bootstrap: str, unique_name: str
) -> None:
    topic = Topics(unique_name).journal
    await create_topic(kafka_bootstrap, topic, partitions=3)
    pairs = [f"1:{10000 + n}" for n in range(1, 7)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for n in range(12):
            pair = pairs[n % len(pairs)]
            await producer.send_and_wait(
                topic, json.dumps(step(pair, n)).encode(), key=pair.encode()
            )
        await producer.send_and_wait(topic, b"not json", key=pairs[0].encode())
    finally:
        await producer.stop()
    options = KafkaOptions(kafka_bootstrap, topic, "")
    got = await pair_records(options, pairs[0], 10)
    assert [record["after"] for record in got] == ["digest00", "digest06"]
    assert [r["after"] for r in await pair_records(options, pairs[0], 1)] == ["digest06"]
    assert await pair_records(options, "2:404", 10) == []

    await create_topic(kafka_bootstrap, Topics(unique_name).sync_state)
    await publish(kafka_bootstrap, Topics(unique_name).sync_state, [pair_state(1)])
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": unique_name,
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9",
        "DYNAMODB_TABLE": unique_name,
    }
    for ident in ("1:10001", "PROJ1-1#PROJ2-1"):
        args = ["history", ident, "--env-file", "/nonexistent/.env"]
        result = await asyncio.to_thread(CliRunner().invoke, main, args, env=env)
        assert result.exit_code == 0, result.output
        assert "pair 1:10001: 2 journal record(s)" in result.output
        assert "PROJ1-6 updated on site 1" in result.output
        assert "FieldsWritten: site=2, values={summary}" in result.output
