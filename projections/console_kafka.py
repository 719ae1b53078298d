"""The console's Kafka ports: one pair's journal records, operator commands, and the dead
letters with their re-drive (``streams.dead_letter_redrive``, as ``jira-sync dead-letters``).

The journal is keyed by pair id, and the worker's producer puts a key where the default
partitioner does (murmur2 of the key), so a pair's records are all on one partition: only
that one is read, from its first offset to the end offset seen when the read began, outside
any consumer group (nothing is committed). Commands go on the command topic exactly as
``jira-sync resolve`` / ``manual-sync`` send them, keyed by the sync id or issue key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import murmur2

from projections.kafka import KafkaOptions, partitions_of
from streams import dead_letter_plan as plans
from streams import dead_letter_redrive as kafka
from streams.dead_letters import DeadLetter
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options
from streams.settings import Settings

JournalSource = Callable[[str, int], Awaitable[list[dict[str, Any]]]]
CommandSender = Callable[[str, bytes, bytes], Awaitable[None]]  # topic, key, value
Letters = tuple[list[DeadLetter], dict[str, plans.State]]  # every letter, and known states
LetterSource = Callable[[], Awaitable[Letters]]
Chooser = Callable[[Sequence[DeadLetter]], list[DeadLetter]]
Redriver = Callable[[Chooser], Awaitable[kafka.Outcome]]


def partition_of(key: bytes, partitions: int) -> int:
    """The partition the default (Java-compatible) partitioner gives ``key``."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


class Unconfigured(Exception):
    """The console was started without this Kafka port (a test app, or no broker)."""


async def no_journal(pair_id: str, limit: int) -> list[dict[str, Any]]:
    raise Unconfigured("this status app reads no journal")


async def no_commands(topic: str, key: bytes, value: bytes) -> None:
    raise Unconfigured("this status app sends no commands")


async def no_letters() -> Letters:
    raise Unconfigured("this status app reads no dead letters")


async def no_redrive(choose: Chooser) -> kafka.Outcome:
    raise Unconfigured("this status app re-drives no dead letters")


def letter_source(settings: Settings, timeout: float = 30.0) -> LetterSource:
    """The dead letters and their re-drive markers, read as ``dead-letters list`` does."""

    async def read() -> Letters:
        letters, markers = await asyncio.wait_for(
            asyncio.gather(kafka.read_letters(settings), kafka.read_markers(settings)), timeout
        )
        return letters, plans.states(markers)[0]

    return read


def redriver(settings: Settings) -> Redriver:
    """A redrive of the letters ``choose`` picks (fencing any other redrive, as the CLI's)."""

    async def run(choose: Chooser) -> kafka.Outcome:
        return await kafka.redrive(settings, choose)

    return run


def journal_source(options: KafkaOptions, timeout: float = 20.0) -> JournalSource:
    """``options.topic`` is the journal topic."""

    async def read(pair_id: str, limit: int) -> list[dict[str, Any]]:
        return await asyncio.wait_for(pair_records(options, pair_id, limit), timeout)

    return read


async def pair_records(options: KafkaOptions, pair_id: str, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` journal records of one pair, oldest first."""
    tps = await partitions_of(options)
    if not tps:
        return []
    key = pair_id.encode()
    tp = TopicPartition(options.topic, partition_of(key, len(tps)))
    consumer = AIOKafkaConsumer(
        bootstrap_servers=options.bootstrap_servers,
        client_id="jira-sync-console",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **client_options(options.security),
    )
    try:  # started inside: a timeout cancelling the start still stops the consumer
        await consumer.start()
        consumer.assign([tp])
        start = int((await consumer.beginning_offsets([tp]))[tp])
        end = int((await consumer.end_offsets([tp]))[tp])
        consumer.seek(tp, start)
        return await _collect(consumer, tp, key, end, limit)
    finally:
        await consumer.stop()


async def _collect(
    consumer: AIOKafkaConsumer, tp: TopicPartition, key: bytes, end: int, limit: int
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while int(await consumer.position(tp)) < end:
        batch = await consumer.getmany(tp, timeout_ms=500, max_records=500)
        for record in batch.get(tp, []):
            if record.key == key and (raw := _object(record.value)) is not None:
                found.append(raw)
        del found[:-limit]
    return found


def _object(value: bytes | None) -> dict[str, Any] | None:
    try:
        raw = json.loads(value or b"")
    except ValueError:
        return None
    return raw if isinstance(raw, dict) else None


class CommandProducer:
    """One producer, started on the first command, stopped with the app."""

    def __init__(self, bootstrap_servers: str, security: KafkaSecurity = PLAINTEXT) -> None:
        self._servers, self._security = bootstrap_servers, security
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, topic: str, key: bytes, value: bytes) -> None:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._servers,
                    acks="all",
                    request_timeout_ms=10000,
                    **client_options(self._security),
                )
                await producer.start()
                self._producer = producer
        await self._producer.send_and_wait(topic, value, key=key)

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
