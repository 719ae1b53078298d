"""The Kafka side of the projections: the group consumer, the state topic, consumer lag.

Lag is what ``GET /status`` shows: per partition of the sync-state topic, the log end
offset minus the offset the projections group committed (or minus the log start offset
when the group has committed nothing there yet). It is read from the broker on each
request, so it is right whichever projections instance serves it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.kafka_admin import TopicShape, ensure_topics
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options

CLIENT_ID = "jira-sync-projections"


@dataclass(frozen=True)
class KafkaOptions:
    bootstrap_servers: str
    topic: str
    group: str
    partitions: int = 8
    replication_factor: int = 1
    request_timeout: float = 10.0
    security: KafkaSecurity = PLAINTEXT


@dataclass(frozen=True)
class TopicLag:
    topic: str
    partitions: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.partitions.values())

    def as_json(self) -> dict[str, Any]:
        partitions = {str(number): lag for number, lag in sorted(self.partitions.items())}
        return {"total": self.total, "partitions": partitions}


LagProbe = Callable[[], Awaitable[list[TopicLag]]]


def group_consumer(options: KafkaOptions, max_records: int) -> AIOKafkaConsumer:
    """The projections group: manual commits, from the start of the log when new."""
    return AIOKafkaConsumer(
        options.topic,
        bootstrap_servers=options.bootstrap_servers,
        group_id=options.group,
        client_id=CLIENT_ID,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_records,
        request_timeout_ms=int(options.request_timeout * 1000) + 30_000,
        **client_options(options.security),
    )


def reader(options: KafkaOptions) -> AIOKafkaConsumer:
    """A consumer outside any group, for offsets and replays; it commits nothing."""
    return AIOKafkaConsumer(
        bootstrap_servers=options.bootstrap_servers,
        client_id=f"{CLIENT_ID}-reader",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **client_options(options.security),
    )


async def ensure_state_topic(options: KafkaOptions) -> bool:
    """Create the compacted sync-state topic when absent (never a default, uncompacted one)."""
    shape = TopicShape(
        options.topic,
        options.partitions,
        options.replication_factor,
        {"cleanup.policy": "compact"},
    )
    created = await ensure_topics(
        options.bootstrap_servers, [shape], options.request_timeout, options.security
    )
    return bool(created)


async def partitions_of(options: KafkaOptions) -> list[TopicPartition]:
    """The topic's partitions; none when it does not exist (and it is not auto-created)."""
    client = AIOKafkaClient(
        bootstrap_servers=options.bootstrap_servers,
        client_id=CLIENT_ID,
        request_timeout_ms=int(options.request_timeout * 1000),
        **client_options(options.security),
    )
    try:
        await client.bootstrap()
        cluster = await client.fetch_all_metadata()
    finally:
        await client.close()
    numbers = cluster.partitions_for_topic(options.topic) or set()
    return [TopicPartition(options.topic, number) for number in sorted(numbers)]


def lag_probe(options: KafkaOptions) -> LagProbe:
    async def probe() -> list[TopicLag]:
        return [await consumer_lag(options)]

    return probe


async def consumer_lag(options: KafkaOptions) -> TopicLag:
    tps = await partitions_of(options)
    if not tps:
        return TopicLag(options.topic, {})
    admin = AIOKafkaAdminClient(
        bootstrap_servers=options.bootstrap_servers,
        client_id=CLIENT_ID,
        request_timeout_ms=int(options.request_timeout * 1000),
        **client_options(options.security),
    )
    offsets = reader(options)
    try:
        await admin.start()
        await offsets.start()
        ends = await offsets.end_offsets(tps)
        starts = await offsets.beginning_offsets(tps)
        committed = await admin.list_consumer_group_offsets(options.group, partitions=tps)
    finally:
        with contextlib.suppress(Exception):
            await offsets.stop()
        with contextlib.suppress(Exception):
            await admin.close()
    return TopicLag(options.topic, {tp.partition: _lag(tp, ends, starts, committed) for tp in tps})


def _lag(tp: TopicPartition, ends: Any, starts: Any, committed: Any) -> int:
    done = committed.get(tp)
    position = max(int(done.offset) if done is not None else -1, int(starts[tp]))
    return max(int(ends[tp]) - position, 0)
