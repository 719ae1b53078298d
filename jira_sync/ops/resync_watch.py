"""Watching a full resync on Kafka for ``jira-sync resync``: a reader outside any group on
the commands, events, sync-state and dead-letter topics from where they ended before the
command was sent, and the worker group's committed offsets (``Progress`` says what they
mean)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from jira_sync.ops.resync_progress import Progress
from streams.kafka_reach import started
from streams.kafka_security import client_options
from streams.settings import Settings
from streams.topics import Topics

POLL_MS = 500


class NotDeployed(Exception):
    """The topics a resync needs do not exist: no worker has run with these settings."""


@dataclass
class Watch:
    consumer: AIOKafkaConsumer
    admin: AIOKafkaAdminClient
    topics: Topics
    group: str
    fed_until: dict[TopicPartition, int] | None = None
    kinds: dict[str, str] = field(default_factory=dict)  # topic -> what it is
    layout: dict[str, list[int]] = field(default_factory=dict)  # topic -> its partitions

    async def read(self, progress: Progress) -> None:
        """Fold the records that arrived (waits up to half a second for some)."""
        batch = await self.consumer.getmany(timeout_ms=POLL_MS)
        for tp, records in batch.items():
            kind = self.kinds[tp.topic]
            for record in records:
                position = (tp.topic, tp.partition)
                if kind == "commands":
                    progress.on_command(position, record.offset, record.value)
                elif kind == "events":
                    progress.on_event(position, record.offset, record.value)
                elif kind == "state":
                    progress.on_state(record.value)
                else:
                    progress.on_dead_letter(record.value)

    async def read_to_end(self, progress: Progress, topic: str, deadline: float) -> None:
        """Fold every record on ``topic`` up to its end now (the worker writes a pair's
        state before it commits the event, but this reader may not have reached it yet);
        until ``deadline`` (``time.monotonic``) at the latest."""
        ends = await self.consumer.end_offsets(self.partitions(topic))
        while time.monotonic() < deadline:
            behind = [tp for tp, end in ends.items() if await self.consumer.position(tp) < end]
            if not behind:
                return
            await self.read(progress)

    async def refresh(self, progress: Progress) -> None:
        """The worker group's committed offsets, and what they let us conclude."""
        try:
            committed = await self.admin.list_consumer_group_offsets(self.group)
        except KafkaError:  # no coordinator for the group yet: no worker has committed
            return
        progress.committed = {
            (tp.topic, tp.partition): meta.offset for tp, meta in committed.items()
        }
        if progress.taken and not progress.fed_complete:
            await self._catch_up(progress)
        if progress.all_handled() and progress.drain_target is None:
            ends = await self.consumer.end_offsets(self.partitions(self.topics.pair_changes))
            progress.drain_target = {(tp.topic, tp.partition): end for tp, end in ends.items()}

    async def _catch_up(self, progress: Progress) -> None:
        """Every snapshot is on Kafka once the command is taken; read up to there."""
        if self.fed_until is None:
            events = [
                *self.partitions(self.topics.events(1)),
                *self.partitions(self.topics.events(2)),
            ]
            self.fed_until = await self.consumer.end_offsets(events)
        positions = [await self.consumer.position(tp) >= end for tp, end in self.fed_until.items()]
        progress.fed_complete = all(positions)

    def partitions(self, topic: str) -> list[TopicPartition]:
        return [TopicPartition(topic, number) for number in self.layout.get(topic, [])]


@asynccontextmanager
async def watching(settings: Settings, group: str) -> AsyncIterator[Watch]:
    """Positioned at the current ends, before the command is sent."""
    servers = settings.kafka_bootstrap_servers
    topics = Topics(settings.kafka_topic_prefix)
    security = settings.kafka_security()
    options = client_options(security)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, **options)
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, **options)
    await started(consumer, servers, security, 30.0)
    try:
        await admin.start()
        watch = Watch(consumer, admin, topics, group, kinds=_kinds(topics))
        await _position(watch)
        yield watch
    finally:
        await admin.close()
        await consumer.stop()


def _kinds(topics: Topics) -> dict[str, str]:
    return {
        topics.commands: "commands",
        topics.events(1): "events",
        topics.events(2): "events",
        topics.sync_state: "state",
        topics.dead_letter: "dead",
    }


async def _position(watch: Watch) -> None:
    """Every topic's partitions (all topics: asking for one by name may auto-create it),
    then the reader at the end of each."""
    for entry in await watch.admin.describe_topics():
        numbers = sorted(int(part["partition"]) for part in entry["partitions"])
        watch.layout[str(entry["topic"])] = numbers
    needed = [*watch.kinds, watch.topics.pair_changes]
    missing = [name for name in needed if not watch.layout.get(name)]
    if missing:
        raise NotDeployed(
            f"topic(s) {', '.join(missing)} do not exist: no worker has run with "
            f"KAFKA_TOPIC_PREFIX={watch.topics.prefix}; start `jira-sync worker` first"
        )
    parts = [tp for name in watch.kinds for tp in watch.partitions(name)]
    watch.consumer.assign(parts)
    for tp, end in (await watch.consumer.end_offsets(parts)).items():
        watch.consumer.seek(tp, end)
