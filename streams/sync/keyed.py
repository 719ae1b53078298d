"""Keyed concurrency for one consumer: different keys at the same time, one key's items
strictly in their order and never overlapping, each item acknowledged only once every
earlier item of its partition is done (so a commit never passes unfinished work).

``KeyedScheduler`` knows nothing of Kafka or Faust: an item is anything, its partition any
hashable, its offset an int that grows within a partition. The caller (``streams.sync
.agents.keyed_stream``) hands it each event as it is read (``submit``), which waits while
the bounds are reached (backpressure: the reader stops reading); ``ack`` is called for
items in offset order per partition; ``forget`` for items left unacknowledged on purpose:
those of a revoked partition that had not started, or that finished behind one that had
not (their partition's new owner reads them again). A partition read again from an
earlier offset without its revocation seen first (given back to this worker, sought to
its committed offset) is revoked then: its old reading is forgotten, never acknowledged.
``stop`` forgets whatever is left: Faust waits on stop for every event it handed over and
that was neither acknowledged nor forgotten.

``Ledger`` (``streams.sync.keyed_ledger``, one per partition and assignment) is the pure
part: which offsets are done, which may be acknowledged, and since when the oldest
unfinished one waits. Every live
scheduler is in ``SCHEDULERS``, so the worker's metrics read them when scraped
(``streams.sync.metrics``), at no cost to the items.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from streams.sync.keyed_ledger import Ledger

log = logging.getLogger(__name__)
Item = TypeVar("Item")
__all__ = ["SCHEDULERS", "KeyedScheduler", "Ledger", "Limits", "PartitionLoad"]


@dataclass(frozen=True)
class Limits:
    concurrency: int  # keys whose item runs at the same time
    in_flight: int  # items read and not acknowledged yet, in all partitions
    per_partition: int  # the same, in one partition

    def __post_init__(self) -> None:
        if min(self.concurrency, self.in_flight, self.per_partition) < 1:
            raise ValueError(f"every limit is at least 1: {self}")


class PartitionLoad(NamedTuple):
    partition: Hashable
    in_flight: int  # items read and not acknowledged (nor forgotten)
    oldest_age: float  # seconds the oldest unfinished one has been held


@dataclass
class _Entry(Generic[Item]):
    partition: Hashable
    offset: int
    item: Item
    work: Callable[[], Awaitable[None]]
    context: contextvars.Context | None
    ledger: Ledger[Item]
    started: bool = False


@dataclass(eq=False)  # hashed by identity
class _Waiter:
    partition: Hashable
    dropped: bool = False


class KeyedScheduler(Generic[Item]):
    def __init__(
        self,
        limits: Limits,
        ack: Callable[[Item], Awaitable[None]],
        forget: Callable[[Item], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._ack, self._forget = ack, forget
        self._slots = asyncio.Semaphore(limits.concurrency)
        self._room = asyncio.Condition()
        self._ledgers: dict[Hashable, Ledger[Item]] = {}
        self._queues: dict[Hashable, deque[_Entry[Item]]] = {}
        self._runners: dict[Hashable, asyncio.Task[None]] = {}
        self._waiters: set[_Waiter] = set()
        self._notifying: set[asyncio.Task[None]] = set()
        self.held = 0  # items read and not acknowledged (nor forgotten)
        SCHEDULERS.add(self)

    @property
    def keys_in_flight(self) -> int:
        """Keys with an item queued or running."""
        return len(self._queues)

    def loads(self) -> list[PartitionLoad]:
        """Each assigned partition's items in flight and the age of its oldest."""
        now = self.clock()
        return [PartitionLoad(p, len(ld), ld.oldest_age(now)) for p, ld in self._ledgers.items()]

    def in_flight(self, partition: Hashable) -> int:
        ledger = self._ledgers.get(partition)
        return len(ledger) if ledger is not None else 0

    async def submit(
        self,
        partition: Hashable,
        offset: int,
        key: Hashable,
        item: Item,
        work: Callable[[], Awaitable[None]],
        context: contextvars.Context | None = None,
    ) -> bool:
        """Queues ``work`` after the key's earlier items, once there is room; False when
        the partition was revoked meanwhile (the item is forgotten, not started)."""
        waiter = _Waiter(partition)
        self._waiters.add(waiter)
        try:
            async with self._room:
                await self._room.wait_for(lambda: waiter.dropped or self._has_room(partition))
        finally:
            self._waiters.discard(waiter)
        if waiter.dropped:
            self._forget(item)
            return False
        ledger = self._ledgers.get(partition)
        if ledger is not None and not ledger.follows(offset):
            self._reassigned(partition, offset, ledger)
        ledger = self._ledgers.setdefault(partition, Ledger())
        ledger.add(offset, item, self.clock())
        self.held += 1
        self._queues.setdefault(key, deque()).append(
            _Entry(partition, offset, item, work, context, ledger)
        )
        if key not in self._runners:
            self._runners[key] = asyncio.create_task(self._run(key))
        return True

    def _reassigned(self, partition: Hashable, offset: int, ledger: Ledger[Item]) -> None:
        """``partition`` is read again from ``offset`` without a revocation seen first
        (Faust was given it back and sought to its committed offset): what its old ledger
        holds is read again, so none of it is acknowledged: all of it is revoked."""
        log.warning(
            "partition %s read again from offset %s (had %s) without a revocation: "
            "its %s events in flight are left to the new reading",
            partition,
            offset,
            ledger.last,
            len(ledger),
        )
        self.revoke([partition])
        stranded = ledger.abandon()  # those still running: stranded by ``finish``
        for item in stranded:
            self._forget(item)
        self.held -= len(stranded)

    def _has_room(self, partition: Hashable) -> bool:
        limits = self.limits
        return self.held < limits.in_flight and self.in_flight(partition) < limits.per_partition

    async def _run(self, key: Hashable) -> None:
        """The key's items one after the other, each in the context it was read in."""
        queue = self._queues[key]
        try:
            while queue:
                entry = queue[0]
                async with self._slots:
                    if not queue or queue[0] is not entry:
                        continue  # revoked while it waited for a slot
                    entry.started = True
                    task = asyncio.create_task(_guarded(entry.work), context=entry.context)
                    try:
                        await asyncio.shield(task)
                    except asyncio.CancelledError:
                        task.cancel()
                        raise
                queue.popleft()
                await self._finished(entry)
        finally:
            del self._runners[key]
            if not queue:
                del self._queues[key]

    async def _finished(self, entry: _Entry[Item]) -> None:
        released, stranded = entry.ledger.finish(entry.offset)
        try:
            for item in stranded:
                self._forget(item)
            for item in released:
                await self._ack(item)
        finally:  # an acknowledgement that fails frees its room all the same
            await self._freed(len(released) + len(stranded))

    async def _freed(self, count: int, wake: bool = False) -> None:
        if count or wake:
            self.held -= count
            async with self._room:
                self._room.notify_all()

    def revoke(self, partitions: Iterable[Hashable]) -> None:
        """Nothing more starts from ``partitions``: their queued items are forgotten, and
        a later ``submit`` of theirs starts a new ledger (their next assignment). What
        runs goes on; it is acknowledged only if nothing before it was dropped."""
        revoked = set(partitions)
        for waiter in self._waiters:
            waiter.dropped = waiter.dropped or waiter.partition in revoked
        not_started: dict[int, tuple[Ledger[Item], set[int]]] = {}
        for queue in self._queues.values():
            kept = [e for e in queue if e.started or e.partition not in revoked]
            for entry in queue:
                if not entry.started and entry.partition in revoked:
                    dropped = not_started.setdefault(id(entry.ledger), (entry.ledger, set()))
                    dropped[1].add(entry.offset)
            queue.clear()
            queue.extend(kept)
        for partition in revoked:
            self._ledgers.pop(partition, None)
        stranded = [i for ledger, offsets in not_started.values() for i in ledger.revoke(offsets)]
        for item in stranded:
            self._forget(item)
        self.held -= len(stranded)
        notify = asyncio.get_running_loop().create_task(self._freed(0, wake=True))
        self._notifying.add(notify)
        notify.add_done_callback(self._notifying.discard)

    async def idle(self) -> None:
        """Until nothing runs (for tests and shutdown)."""
        while self._runners:
            await asyncio.gather(*self._runners.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Cancels what runs; what was not acknowledged is forgotten (else Faust, which
        waits for its unacknowledged events to empty, would wait for them for ever)."""
        for task in list(self._runners.values()):
            task.cancel()
        await asyncio.gather(*self._runners.values(), return_exceptions=True)
        ledgers = {id(e.ledger): e.ledger for q in self._queues.values() for e in q}
        ledgers |= {id(ledger): ledger for ledger in self._ledgers.values()}
        self._queues.clear()
        self._ledgers.clear()
        for ledger in ledgers.values():
            left = ledger.empty()
            for item in left:
                self._forget(item)
            self.held -= len(left)


SCHEDULERS: weakref.WeakSet[KeyedScheduler[Any]] = weakref.WeakSet()


async def _guarded(work: Callable[[], Awaitable[None]]) -> None:
    """An item's work; its error is logged (the caller's work handles its own), so that
    the key's later items and the partition's acknowledgements go on."""
    try:
        await work()
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is None or current.cancelling():
            raise  # the runner (or ``stop``) asked for it
        # a future the work awaited was cancelled elsewhere: done, as a failure is
        log.exception("keyed work cancelled from within")
    except Exception:
        log.exception("keyed work failed")
