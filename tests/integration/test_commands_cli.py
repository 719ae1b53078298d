"""``jira-sync manual-sync`` / ``resolve`` put the seed's bodies on the command topic."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from click.testing import CliRunner

from jira_sync.cli import main
from streams.commands import ManualSync, ResolveConflict, parse_command
from streams.topics import Topics

pytestmark = pytest.mark.integration


async def read_commands(kafka: str, prefix: str, count: int) -> list[tuple[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        Topics(prefix).commands, bootstrap_servers=kafka, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        records: list[tuple[bytes, bytes]] = []
        while len(records) < count:
            batch = await consumer.getmany(timeout_ms=10000)
            assert batch, "the commands did not arrive"
            records += [(r.key or b"", r.value or b"") for rs in batch.values() for r in rs]
        return records
    finally:
        await consumer.stop()


def test_manual_sync_and_resolve_reach_the_command_topic(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", unique_name)
    env = ["--env-file", str(tmp_path / "none.env")]
    runner = CliRunner()
    sent = runner.invoke(main, ["manual-sync", "PROJ1-7", "--from", "1", *env])
    assert sent.exit_code == 0, sent.output
    assert "manual_sync PROJ1-7" in sent.output
    resolved = runner.invoke(
        main, ["resolve", "PROJ1-7#PROJ2-9", "--direction", "jira_2_to_1", *env]
    )
    assert resolved.exit_code == 0, resolved.output

    records = asyncio.run(read_commands(kafka_bootstrap, unique_name, 2))
    (key1, value1), (key2, value2) = records
    now = datetime.now(UTC)
    manual = parse_command(value1, "x", now)
    assert isinstance(manual, ManualSync)
    assert (key1, manual.issue_key, manual.source_instance) == (b"PROJ1-7", "PROJ1-7", 1)
    settle = parse_command(value2, "x", now)
    assert isinstance(settle, ResolveConflict)
    assert (key2, settle.resolution_direction) == (b"PROJ1-7#PROJ2-9", "jira_2_to_1")
    assert json.loads(value2)["resolve_conflict"] is True


def test_a_bad_key_is_refused_before_kafka(tmp_path: Path) -> None:
    env = ["--env-file", str(tmp_path / "none.env")]
    result = CliRunner().invoke(main, ["manual-sync", "not-a-key", "--from", "1", *env])
    assert result.exit_code == 2
    assert "issue key such as PROJ1-123" in result.output
