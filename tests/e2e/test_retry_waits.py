"""Retries held until due, against the real broker: a pair's retry that is due far ahead
does not hold another pair's retry, due now, behind it in the same partition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from harness.pipeline import pipeline
from streams.sync.retrying import RetryDue
from streams.topics import Topics

pytestmark = [pytest.mark.integration]


async def test_a_retry_due_later_does_not_hold_one_due_now_behind_it(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, partitions=1) as p:
        await p.eventually(lambda: p.group_ready(1), within=90)
        topics = Topics(p.prefix)
        now = datetime.now(UTC)
        later = RetryDue("held for two minutes", 5, now + timedelta(seconds=120))
        due = RetryDue("due now", 1, now)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topics.retry, later.to_bytes(), key=b"pair-later")
            await producer.send_and_wait(topics.retry, due.to_bytes(), key=b"pair-now")
        finally:
            await producer.stop()

        async def sent_on() -> set[bytes]:
            return {key for key, _ in await p.read(topics.pair_changes)}

        async def due_one_sent() -> bool:
            return b"pair-now" in await sent_on()

        await p.eventually(due_one_sent, within=30)
        assert b"pair-later" not in await sent_on()
