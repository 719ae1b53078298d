"""Creating the log's topics with the right shape before anyone produces to them.

A broker with ``auto.create.topics.enable`` would otherwise create a topic on the first
produce with its defaults (one partition, no compaction): wrong for the sync-state topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError


@dataclass(frozen=True)
class TopicShape:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


class TopicCreationError(RuntimeError):
    pass


async def ensure_topics(
    bootstrap_servers: str, shapes: Iterable[TopicShape], wait: float
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(wait * 1000)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [shape for shape in shapes if shape.name not in existing]
        if not missing:
            return []
        topics = [
            NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs)
            for s in missing
        ]
        response = await admin.create_topics(topics, timeout_ms=int(wait * 1000))
    finally:
        await admin.close()
    failed = [
        (name, code)
        for name, code, *_ in response.topic_errors
        if code not in (0, TopicAlreadyExistsError.errno)
    ]
    if failed:
        raise TopicCreationError(f"could not create topics (name, Kafka error code): {failed}")
    return [shape.name for shape in missing]


async def pin_uncommitted(
    bootstrap_servers: str, group: str, topics: Iterable[str], wait: float
) -> int:
    """Give every partition of ``topics`` that ``group`` never committed a committed offset
    at its log start (what ``auto.offset.reset=earliest`` would read anyway).

    faust-streaming 0.15.3 can stall a worker that takes over a partition the group never
    committed; with this at start-up (and a commit after every event) there is none. Only
    possible while the group has no members; otherwise the broker refuses and nothing
    changes. Returns how many partitions were pinned.
    """
    parts = await _partitions(bootstrap_servers, list(topics), wait)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        request_timeout_ms=int(wait * 1000),
    )
    await consumer.start()
    try:
        missing = [tp for tp in parts if await consumer.committed(tp) is None]
        if not missing:
            return 0
        starts = await consumer.beginning_offsets(missing)
        consumer.assign(missing)
        try:
            await consumer.commit({tp: starts[tp] for tp in missing})
        except KafkaError:  # the group is live: its members commit for themselves
            return 0
        return len(missing)
    finally:
        await consumer.stop()


async def _partitions(
    bootstrap_servers: str, topics: list[str], wait: float
) -> list[TopicPartition]:
    """The topics' partitions; a topic created a moment ago may need a few tries."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(wait * 1000)
    )
    await admin.start()
    try:
        for _ in range(int(wait / 0.2)):
            described = await admin.describe_topics(topics)
            if all(entry.get("error_code", 0) == 0 for entry in described):
                break
            await asyncio.sleep(0.2)
        else:
            raise TopicCreationError(f"topics not ready after {wait} s: {described}")
    finally:
        await admin.close()
    return [
        TopicPartition(entry["topic"], part["partition"])
        for entry in described
        for part in entry["partitions"]
    ]
