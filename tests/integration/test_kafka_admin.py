"""Topic shapes and pinned offsets on the real broker (streams/kafka_admin.py)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.kafka_admin import TopicShape, ensure_topics, pin_uncommitted

pytestmark = pytest.mark.integration


async def test_topics_are_created_once_in_their_shape(
    kafka_bootstrap: str, unique_name: str
) -> None:
    shapes = [
        TopicShape(f"{unique_name}.state", 3, 1, {"cleanup.policy": "compact"}),
        TopicShape(f"{unique_name}.plain", 2, 1),
    ]
    assert await ensure_topics(kafka_bootstrap, shapes, 10) == [s.name for s in shapes]
    assert await ensure_topics(kafka_bootstrap, shapes, 10) == []
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([s.name for s in shapes])
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == {
        f"{unique_name}.state": 3,
        f"{unique_name}.plain": 2,
    }


async def test_uncommitted_partitions_are_pinned_at_their_log_start(
    kafka_bootstrap: str, unique_name: str
) -> None:
    topic, group = f"{unique_name}.input", f"{unique_name}.group"
    await ensure_topics(kafka_bootstrap, [TopicShape(topic, 3, 1)], 10)
    assert await pin_uncommitted(kafka_bootstrap, group, [topic], 10) == 3
    assert await pin_uncommitted(kafka_bootstrap, group, [topic], 10) == 0
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group)
    await consumer.start()
    try:
        committed = [await consumer.committed(TopicPartition(topic, n)) for n in range(3)]
    finally:
        await consumer.stop()
    assert committed == [0, 0, 0]
