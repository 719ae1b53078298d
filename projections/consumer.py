"""The live projection: the sync-state topic, in the projections group, into the store.

Durable before commit: a batch (``getmany``) is decoded, written to the store (retried
with backoff until it succeeds), and only then are its offsets committed. A crash in
between redelivers the batch, which the versioned writes make harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from aiokafka.errors import CommitFailedError, KafkaError

from projections.model import PairItem
from projections.records import Record, decode
from projections.store import ProjectionStore, StoreRefused, WriteResult

log = logging.getLogger(__name__)
T = TypeVar("T")


class GroupConsumer(Protocol):
    """The part of ``AIOKafkaConsumer`` (in a group, manual commits) the projector uses."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(self, *partitions: Any, timeout_ms: int, max_records: int) -> Any: ...

    async def commit(self, offsets: Any = ...) -> None: ...


@dataclass(frozen=True)
class ProjectorOptions:
    max_records: int = 500
    poll_timeout: float = 1.0
    first_retry: float = 0.5
    max_retry: float = 30.0


@dataclass
class ProjectorStats:
    running: bool = False
    records: int = 0
    applied: int = 0
    stale: int = 0
    rejected: int = 0
    last_batch_at: datetime | None = None
    refused: str | None = None  # the store's refusal the projector is stuck on, if any

    def as_json(self) -> dict[str, Any]:
        last = self.last_batch_at.isoformat() if self.last_batch_at else None
        return {
            "running": self.running,
            "refused": self.refused,
            "records": self.records,
            "applied": self.applied,
            "stale": self.stale,
            "rejected": self.rejected,
            "last_batch_at": last,
        }


class Projector:
    def __init__(
        self,
        make_consumer: Callable[[], GroupConsumer],
        store: ProjectionStore,
        options: ProjectorOptions | None = None,
        prepare: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._make_consumer = make_consumer  # called in the running loop (aiokafka needs it)
        self._consumer: GroupConsumer | None = None
        self._store = store
        self._options = options or ProjectorOptions()
        self._prepare = prepare
        self.stats = ProjectorStats()

    async def run(self) -> None:
        """Start (retrying while Kafka is down), then project until cancelled."""
        await self._retrying("start the consumer", self.start)
        self.stats.running = True
        log.info("projections consumer started")
        try:
            while True:
                batches = await self._retrying("poll Kafka", self._poll)
                if batches:
                    await self.handle(batches)
        finally:
            self.stats.running = False

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    @property
    def consumer(self) -> GroupConsumer:
        if self._consumer is None:
            raise RuntimeError("the projector is not started")
        return self._consumer

    async def handle(self, batches: Mapping[Any, Sequence[Record]]) -> WriteResult:
        """Write one ``getmany`` result, then commit past it."""
        records = [record for part in batches.values() for record in part]
        decoded = decode(records)
        result = await self._retrying("write projections", lambda: self._write(decoded.items))
        await self._commit({tp: part[-1].offset + 1 for tp, part in batches.items() if part})
        self._count(len(records), result, decoded.rejected)
        return result

    async def _poll(self) -> Mapping[Any, Sequence[Record]]:
        batches: Mapping[Any, Sequence[Record]] = await self.consumer.getmany(
            timeout_ms=int(self._options.poll_timeout * 1000),
            max_records=self._options.max_records,
        )
        return batches

    async def start(self) -> None:
        """Prepare (the topic), then connect the consumer; a failed start can be retried."""
        if self._prepare is not None:
            await self._prepare()
        consumer = self._make_consumer()
        try:
            await consumer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await consumer.stop()
            raise
        self._consumer = consumer

    async def _write(self, items: list[PairItem]) -> WriteResult:
        return await self._store.write(items) if items else WriteResult(0, 0)

    async def _commit(self, offsets: dict[Any, int]) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as error:
            # The partitions moved to another member; it re-reads from the last commit.
            log.warning("offsets not committed", extra={"error": str(error)})

    def _count(self, records: int, result: WriteResult, rejected: int) -> None:
        self.stats.records += records
        self.stats.applied += result.applied
        self.stats.stale += result.stale
        self.stats.rejected += rejected
        self.stats.last_batch_at = datetime.now(UTC)

    async def _retrying(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        delay = self._options.first_retry
        while True:
            try:
                answer = await action()
            except Exception as error:
                self._note_refusal(error)
                log.log(
                    logging.ERROR if isinstance(error, StoreRefused) else logging.WARNING,
                    "could not %s; retrying in %.1f s",
                    what,
                    delay,
                    extra={"error": f"{type(error).__name__}: {error}"},
                )
            else:
                self.stats.refused = None
                return answer
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._options.max_retry)

    def _note_refusal(self, error: Exception) -> None:
        """A refusal retrying will not fix shows on ``/health`` until a retry succeeds
        (the projector keeps retrying: the table or the permission may be fixed)."""
        if isinstance(error, StoreRefused):
            self.stats.refused = str(error)[:500]
