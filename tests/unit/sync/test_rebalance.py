"""faust around a rebalance, without Kafka (``streams/sync/rebalance.py``).

faust's own recovery, delivery closure (``ConductorCompiler.build``) and stream queue are
used as they are, with a fake consumer, so the tests of stock faust follow the installed
faust-streaming: if a release stops throwing events away, they say so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import faust
import pytest
from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.transport.conductor import ConductorCompiler
from faust.transport.drivers import aiokafka as kafka_driver
from faust.types import TP, Message

from streams.sync.rebalance import (
    DeliverableOnlyThread,
    HoldingRecovery,
    HoldingTableManager,
    SyncApp,
    undeliverable,
)

EVENTS = TP("t-rebalance.jira1.events", 3)  # never committed by the group
CHANGES = TP("t-rebalance.pair-changes", 3)


def fetched(tp: TP, *offsets: int) -> list[Any]:
    return [SimpleNamespace(topic=tp.topic, partition=tp.partition, offset=n) for n in offsets]


# --- which fetched events faust would drop ---------------------------------------------


def test_events_of_active_partitions_are_delivered_while_the_flow_is_on() -> None:
    records = {EVENTS: fetched(EVENTS, 4, 5), CHANGES: fetched(CHANGES, 9)}
    assert undeliverable(records, flowing=True, active={EVENTS, CHANGES}, buffered=set()) == {}


def test_while_the_flow_is_off_every_partition_goes_back_to_its_first_fetched_event() -> None:
    records = {EVENTS: fetched(EVENTS, 4, 5), CHANGES: fetched(CHANGES, 9)}
    back = undeliverable(records, flowing=False, active={EVENTS, CHANGES}, buffered=set())
    assert back == {EVENTS: 4, CHANGES: 9}


def test_a_paused_partition_goes_back_the_others_are_delivered() -> None:
    records = {EVENTS: fetched(EVENTS, 0, 1), CHANGES: fetched(CHANGES, 9)}
    assert undeliverable(records, flowing=True, active={CHANGES}, buffered=set()) == {EVENTS: 0}


def test_the_emptied_active_set_of_a_rebalance_delivers_nothing() -> None:
    """aiokafka reads an empty set as every partition; faust then delivers none of them."""
    records = {EVENTS: fetched(EVENTS, 0), CHANGES: fetched(CHANGES, 0)}
    assert undeliverable(records, flowing=True, active=set(), buffered=set()) == {
        EVENTS: 0,
        CHANGES: 0,
    }


def test_a_partition_with_a_full_stream_buffer_is_still_delivered() -> None:
    records = {EVENTS: fetched(EVENTS, 7)}
    assert undeliverable(records, flowing=True, active=set(), buffered={EVENTS}) == {}


def test_a_client_only_app_takes_everything() -> None:
    records = {EVENTS: fetched(EVENTS, 7)}
    assert undeliverable(records, flowing=True, active=None, buffered=set()) == {}


def test_empty_batches_move_nothing() -> None:
    assert undeliverable({EVENTS: []}, flowing=False, active=set(), buffered=set()) == {}


# --- the consumer thread moves them back ------------------------------------------------


@dataclass
class FakeKafkaConsumer:
    """aiokafka's consumer, as far as the thread uses it after a fetch."""

    assigned: set[TP]
    seeks: list[tuple[TP, int]] = field(default_factory=list)

    def assignment(self) -> set[TP]:
        return self.assigned

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


@pytest.fixture
def sync_app() -> Iterator[SyncApp]:
    app = SyncApp("t-rebalance", broker="kafka://127.0.0.1:1", store="memory://")
    yield app
    cast(Any, app.consumer)._thread.thread_loop.close()  # made with the consumer, never run


def thread_fetching(
    app: SyncApp, monkeypatch: pytest.MonkeyPatch, records: dict[TP, list[Any]]
) -> Any:
    """The app's consumer thread, whose fetches (faust's own, counted) return ``records``."""
    thread = cast(Any, app.consumer)._thread
    assert isinstance(thread, DeliverableOnlyThread)
    counted: Any = thread
    counted.fetches = 0

    async def fetch(self: Any, *args: Any, **kwargs: Any) -> dict[TP, list[Any]]:
        self.fetches += 1
        return records

    monkeypatch.setattr(kafka_driver.AIOKafkaConsumerThread, "_fetch_records", fetch)
    return counted


async def test_the_thread_returns_what_faust_delivers_and_moves_back_the_rest(
    sync_app: SyncApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = {EVENTS: fetched(EVENTS, 0, 1), CHANGES: fetched(CHANGES, 9)}
    thread = thread_fetching(sync_app, monkeypatch, records)
    thread.app.flow_control.resume()
    kafka = FakeKafkaConsumer(assigned={EVENTS, CHANGES})

    got = await thread._fetch_records(cast(Any, kafka), {CHANGES}, timeout=1.0)

    assert got == {CHANGES: records[CHANGES]}
    assert kafka.seeks == [(EVENTS, 0)]


async def test_a_fetch_that_returns_after_the_flow_stopped_moves_everything_back(
    sync_app: SyncApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetch that was waiting when the rebalance began."""
    thread = thread_fetching(sync_app, monkeypatch, {EVENTS: fetched(EVENTS, 0, 1)})
    thread.app.flow_control.resume()
    sync_app.consumer.stop_flow()
    kafka = FakeKafkaConsumer(assigned={EVENTS})

    assert await thread._fetch_records(cast(Any, kafka), {EVENTS}, timeout=1.0) == {}
    assert kafka.seeks == [(EVENTS, 0)]


async def test_while_flow_control_is_suspended_nothing_is_fetched(
    sync_app: SyncApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = thread_fetching(sync_app, monkeypatch, {EVENTS: fetched(EVENTS, 3)})
    thread.held_fetch_pause = 0.0
    thread.app.flow_control.suspend()
    kafka = FakeKafkaConsumer(assigned={EVENTS})

    assert await thread._fetch_records(cast(Any, kafka), {EVENTS}, timeout=1.0) == {}
    assert kafka.seeks == []
    assert thread.fetches == 0


async def test_a_partition_no_longer_assigned_is_not_moved(
    sync_app: SyncApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = thread_fetching(sync_app, monkeypatch, {EVENTS: fetched(EVENTS, 3)})
    thread.app.flow_control.resume()
    kafka = FakeKafkaConsumer(assigned=set())

    assert await thread._fetch_records(cast(Any, kafka), set(), timeout=1.0) == {}
    assert kafka.seeks == []


# --- the end of table recovery ----------------------------------------------------------


async def _nothing() -> None: ...


@dataclass
class FakeConsumer:
    """faust's consumer as ``on_recovery_completed`` uses it; ``during_seek`` runs while
    the seek is awaited, as the fetcher does in a worker."""

    during_seek: Callable[[], Awaitable[None]] = _nothing
    calls: list[str] = field(default_factory=list)

    def assignment(self) -> set[TP]:
        return {EVENTS}

    def resume_partitions(self, tps: set[TP]) -> None:
        self.calls.append("resume partitions")

    async def perform_seek(self) -> None:
        self.calls.append("seek to committed")  # EVENTS has none: it does not move
        await self.during_seek()

    def resume_flow(self) -> None:
        self.calls.append("resume flow")

    def on_buffer_full(self, tp: TP) -> None: ...

    def on_buffer_drop(self, tp: TP) -> None: ...


class FakeFetcher:
    async def maybe_start(self) -> None: ...


@dataclass
class Worker:
    app: faust.App
    recovery: Recovery
    consumer: FakeConsumer
    queue: Any  # the stream's input queue: faust's FlowControlQueue, emptied on resume
    delivered: list[int] = field(default_factory=list)
    flow_control_during_seek: list[bool] = field(default_factory=list)

    async def complete_recovery(self, generation: int = 7) -> None:
        await self.recovery.on_recovery_completed(generation)
        for _ in range(10):  # let a held delivery finish
            await asyncio.sleep(0)

    def queued_offsets(self) -> list[int]:
        return [event.message.offset for event in list(self.queue._queue)]


def worker(table_manager: type[TableManager]) -> Worker:
    """A worker at the end of table recovery, as faust leaves it before
    ``on_recovery_completed``: flow control resumed, the stream partitions paused. During
    faust's seek the fetcher hands the event at offset 0 to faust's delivery closure."""
    app = faust.App(
        f"t-rebalance-{table_manager.__name__}",
        broker="kafka://127.0.0.1:1",  # never contacted
        store="memory://",
        TableManager=table_manager,
    )
    topic = app.topic(EVENTS.topic, key_serializer="raw", value_serializer="raw")
    stream_input = topic.clone(is_iterator=True)
    consumer = FakeConsumer()
    app.consumer = cast(Any, consumer)
    app.__dict__["_fetcher"] = FakeFetcher()  # a cached property of faust.App
    app.consumer_generation_id = 7
    app.flow_control.resume()
    w = Worker(app, cast(TableManager, app.tables).recovery, consumer, stream_input.queue)
    deliver = ConductorCompiler().build(cast(Any, app.topics), EVENTS, {cast(Any, stream_input)})

    async def fetcher_delivers_offset_0() -> None:
        w.flow_control_during_seek.append(app.flow_control.is_active())
        message = Message(EVENTS.topic, EVENTS.partition, 0, 0.0, 0, {}, b"k", b"{}", None)

        async def fetch() -> None:
            await deliver(message)
            w.delivered.append(message.offset)

        asyncio.ensure_future(fetch())  # noqa: RUF006 - completed by complete_recovery
        for _ in range(5):  # the broker round trip of the seek
            await asyncio.sleep(0)

    consumer.during_seek = fetcher_delivers_offset_0
    return w


async def test_stock_faust_throws_away_what_it_delivers_while_it_seeks() -> None:
    """Root cause 2: resume, seek (the event is queued, the partition does not move back),
    then the flow-control resume empties the queue."""
    w = worker(TableManager)
    assert type(w.recovery) is Recovery

    await w.complete_recovery()

    assert w.consumer.calls == ["resume partitions", "seek to committed", "resume flow"]
    assert w.flow_control_during_seek == [True]
    assert w.delivered == [0], "the fetcher handed the event over"
    assert w.queued_offsets() == [], "faust-streaming no longer drops it: see rebalance.py"


async def test_flow_control_is_suspended_while_faust_seeks() -> None:
    w = worker(HoldingTableManager)
    assert isinstance(w.recovery, HoldingRecovery)

    await w.complete_recovery()

    assert w.consumer.calls == ["resume partitions", "seek to committed", "resume flow"]
    assert w.flow_control_during_seek == [False], "the consumer thread moves events back"
    assert w.app.flow_control.is_active()
    assert w.recovery.completed.is_set()


async def test_an_event_already_past_the_thread_waits_for_the_queues_to_be_emptied() -> None:
    w = worker(HoldingTableManager)
    emptied_with: list[list[int]] = []
    empty = w.app.flow_control.clear

    def clear() -> None:
        emptied_with.append(w.queued_offsets())
        empty()

    w.app.flow_control.clear = clear  # type: ignore[method-assign]

    await w.complete_recovery()

    assert emptied_with == [[]]
    assert w.queued_offsets() == [0]


async def test_a_newer_generation_leaves_the_streams_paused_and_flow_control_suspended() -> None:
    """faust returns early when the group moved on; that generation's recovery resumes."""
    w = worker(HoldingTableManager)

    await w.complete_recovery(generation=6)

    assert w.consumer.calls == []
    assert not w.app.flow_control.is_active()
    assert not w.recovery.completed.is_set()


# --- installation -------------------------------------------------------------------


def test_sync_app_installs_both(sync_app: SyncApp) -> None:
    assert isinstance(sync_app.transport, kafka_driver.Transport)
    assert isinstance(cast(Any, sync_app.consumer)._thread, DeliverableOnlyThread)
    tables = cast(TableManager, sync_app.tables)
    assert type(tables.recovery) is HoldingRecovery
    assert tables.recovery is tables.recovery


def test_a_table_manager_given_to_sync_app_wins() -> None:
    app = SyncApp(
        "t-rebalance-own", broker="kafka://127.0.0.1:1", TableManager="faust.tables:TableManager"
    )
    assert type(app.tables) is TableManager
