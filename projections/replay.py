"""Rebuild the projections from the start of the sync-state topic.

``StateLog`` reads every partition, outside any consumer group, from its first offset to
the end offsets it saw when opened; ``rebuild`` recreates the store and folds the records
in, reporting progress in offsets. The result equals the table the live consumer builds:
both apply the same versioned fold to the same records.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from projections.kafka import KafkaOptions, partitions_of, reader
from projections.records import Record, decode
from projections.store import ProjectionStore
from streams.kafka_reach import started

START_WAIT = 30.0  # seconds to connect before the cause is looked for


class ReplayStalled(Exception):
    """Partitions stopped short of the end offsets seen at the start."""


class MissingTopic(Exception):
    """The topic to replay does not exist (a wrong prefix?): nothing is deleted."""


@dataclass(frozen=True)
class ReplayResult:
    records: int
    applied: int
    stale: int
    rejected: int


class Batches(Protocol):
    def batches(self) -> AsyncIterator[tuple[list[Record], int]]:
        """Records, and how many offsets they advance the reading by."""


async def rebuild(
    store: ProjectionStore, log: Batches, progress: Callable[[int], None]
) -> ReplayResult:
    await store.recreate()
    records = applied = stale = rejected = 0
    async for batch, advanced in log.batches():
        decoded = decode(batch)
        if decoded.items:
            written = await store.write(decoded.items)
            applied, stale = applied + written.applied, stale + written.stale
        records, rejected = records + len(batch), rejected + decoded.rejected
        progress(advanced)
    return ReplayResult(records, applied, stale, rejected)


class StateLog:
    def __init__(
        self, options: KafkaOptions, max_records: int = 500, idle_timeout: float = 30.0
    ) -> None:
        self._options = options
        self._max_records = max_records
        self._idle_timeout = idle_timeout
        self._consumer: AIOKafkaConsumer | None = None
        self._read: dict[TopicPartition, int] = {}
        self._end: dict[TopicPartition, int] = {}

    @property
    def total(self) -> int:
        """Offsets to read (compaction leaves gaps, so records may be fewer)."""
        return sum(self._end[tp] - self._read[tp] for tp in self._end)

    async def __aenter__(self) -> StateLog:
        options = self._options
        consumer = self._consumer = reader(options)
        await started(consumer, options.bootstrap_servers, options.security, START_WAIT)
        tps = await partitions_of(self._options)
        if not tps:
            await consumer.stop()
            raise MissingTopic(f"topic {self._options.topic!r} does not exist")
        consumer.assign(tps)
        self._read = {tp: int(n) for tp, n in (await consumer.beginning_offsets(tps)).items()}
        self._end = {tp: int(n) for tp, n in (await consumer.end_offsets(tps)).items()}
        await consumer.seek_to_beginning(*tps)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def batches(self) -> AsyncIterator[tuple[list[Record], int]]:
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("use StateLog as an async context manager")
        idle_since = time.monotonic()
        while active := [tp for tp in self._end if self._read[tp] < self._end[tp]]:
            got: dict[Any, list[Record]] = await consumer.getmany(
                *active, timeout_ms=500, max_records=self._max_records
            )
            advanced = await self._advance(consumer, active)
            if advanced or got:
                idle_since = time.monotonic()
                yield [record for part in got.values() for record in part], advanced
            elif time.monotonic() - idle_since > self._idle_timeout:
                raise ReplayStalled(f"no progress for {self._idle_timeout:g} s on {active}")

    async def _advance(self, consumer: AIOKafkaConsumer, active: list[TopicPartition]) -> int:
        advanced = 0
        for tp in active:
            position = min(int(await consumer.position(tp)), self._end[tp])
            advanced += max(position - self._read[tp], 0)
            self._read[tp] = max(position, self._read[tp])
        return advanced
