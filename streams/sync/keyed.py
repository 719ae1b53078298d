"""Keyed concurrency for one consumer: different keys at the same time, one key's items
strictly in their order and never overlapping, each item acknowledged only once every
earlier item of its partition is done (so a commit never passes unfinished work).

``KeyedScheduler`` knows nothing of Kafka or Faust: an item is anything, its partition any
hashable, its offset an int that grows within a partition. The caller (``streams.sync
.agents.keyed_stream``) hands it each event as it is read (``submit``), which waits while
the bounds are reached (backpressure: the reader stops reading); ``ack`` is called for
items in offset order per partition; ``forget`` for items left unacknowledged on purpose:
those of a revoked partition that had not started, or that finished behind one that had
not (their partition's new owner reads them again).

``Ledger`` (one per partition and assignment) is the pure part: which offsets are done,
and which may be acknowledged, and since when the oldest unfinished one waits. Every live
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
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")


@dataclass(frozen=True)
class Limits:
    concurrency: int  # keys whose item runs at the same time
    in_flight: int  # items read and not acknowledged yet, in all partitions
    per_partition: int  # the same, in one partition

    def __post_init__(self) -> None:
        if min(self.concurrency, self.in_flight, self.per_partition) < 1:
            raise ValueError(f"every limit is at least 1: {self}")


@dataclass
class Ledger(Generic[Item]):
    """One partition's items in offset order, from read to acknowledged (pure).

    ``finish`` answers the items that may be acknowledged now: the run of done items at
    the head. After ``revoke`` nothing more is acknowledged past the first item that had
    not started: such items are answered as stranded instead."""

    order: deque[int] = field(default_factory=deque)
    items: dict[int, Item] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)
    cut: int | None = None  # revoked: no acknowledgement from this offset on
    read_at: dict[int, float] = field(default_factory=dict)  # offset: when it was read

    def __len__(self) -> int:
        return len(self.order)

    def add(self, offset: int, item: Item, read_at: float = 0.0) -> None:
        if self.order and offset <= self.order[-1]:
            raise ValueError(f"offset {offset} after {self.order[-1]}: not in order")
        self.order.append(offset)
        self.items[offset] = item
        self.read_at[offset] = read_at

    def oldest_age(self, now: float) -> float:
        """How long the oldest unfinished item (the head: done items are released from the
        head at once) has been held; 0 with none."""
        return now - self.read_at[self.order[0]] if self.order else 0.0

    def finish(self, offset: int) -> tuple[list[Item], list[Item]]:
        """(acknowledged now, stranded now) once the item at ``offset`` is done."""
        if self.cut is not None and offset >= self.cut:
            return [], [self._drop(offset)]
        self.done.add(offset)
        released = []
        while self.order and self.order[0] in self.done:
            head = self.order.popleft()
            self.done.discard(head)
            del self.read_at[head]
            released.append(self.items.pop(head))
        return released, []

    def revoke(self, not_started: Iterable[int]) -> list[Item]:
        """Nothing more will start; the items stranded now (not started, or done behind
        one that was not). Those still running are answered by ``finish``."""
        dropped = set(not_started) & set(self.order)
        if not dropped:
            return []
        self.cut = min(dropped)
        stranded = [o for o in self.order if o >= self.cut and (o in dropped or o in self.done)]
        return [self._drop(offset) for offset in stranded]

    def _drop(self, offset: int) -> Item:
        self.order.remove(offset)
        self.done.discard(offset)
        self.read_at.pop(offset, None)
        return self.items.pop(offset)


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
        ledger = self._ledgers.setdefault(partition, Ledger())
        ledger.add(offset, item, self.clock())
        self.held += 1
        self._queues.setdefault(key, deque()).append(
            _Entry(partition, offset, item, work, context, ledger)
        )
        if key not in self._runners:
            self._runners[key] = asyncio.create_task(self._run(key))
        return True

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
        """Cancels what runs; what was not acknowledged is forgotten."""
        for task in list(self._runners.values()):
            task.cancel()
        await asyncio.gather(*self._runners.values(), return_exceptions=True)


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
