"""Creating the log's topics with the right shape before anyone produces to them.

A broker with ``auto.create.topics.enable`` would otherwise create a topic on the first
produce with its defaults (one partition, no compaction): wrong for the sync-state topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from streams.kafka_reach import started
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options


@dataclass(frozen=True)
class TopicShape:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


class TopicCreationError(KafkaError):  # type: ignore[misc]  # aiokafka is untyped
    """The broker refused to create a topic (the Kafka error codes are in the message)."""


async def ensure_topics(
    bootstrap_servers: str,
    shapes: Iterable[TopicShape],
    wait: float,
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        request_timeout_ms=int(wait * 1000),
        **client_options(security),
    )
    await started(admin, bootstrap_servers, security, max(wait, 10.0))
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
