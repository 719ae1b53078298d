"""Topic shapes and pinned offsets on the real broker (streams/kafka_admin.py)."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streams.kafka_admin import TopicShape, ensure_topics

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
