"""``jira-sync replay --what-if`` reads the journal topic as ``--events`` does (from its
beginning, outside any consumer group) and writes nothing to Kafka."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner

from jira_sync.cli import main
from jira_sync.ops.replay_events import latest
from streams.topics import Topics
from tests.infra import isolated_settings
from tests.unit.sync.test_whatif import AT, MOVED_ON_1, PAIR_ID, journal_of

pytestmark = pytest.mark.integration


async def test_what_if_reads_the_journal_topic_and_writes_nothing(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    topic = Topics(unique_name).journal
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in journal_of((AT, MOVED_ON_1)):
            await producer.send(topic, key=PAIR_ID.encode(), value=json.dumps(record).encode())
        await producer.flush()
    finally:
        await producer.stop()
    mapping = tmp_path / "new.yaml"
    mapping.write_text('statuses: {"In Progress": "Doing"}\n')
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": unique_name}
    args = ["replay", "--what-if", "--mapping", str(mapping), "--env-file", "/nonexistent/.env"]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "+ site 2 PROJ2-1: transition to Doing" in result.output
    settings = isolated_settings(
        kafka_bootstrap_servers=kafka_bootstrap, kafka_topic_prefix=unique_name
    )
    assert len(await latest(settings, topic)) == 1  # the journal as it was
    assert await latest(settings, Topics(unique_name).sync_state) == {}  # nothing written
