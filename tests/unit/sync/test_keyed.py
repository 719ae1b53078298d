"""The keyed scheduler: per-key order and no overlap under random latencies, many keys at
once, acknowledgements in offset order per partition (never past a held head), the bounds,
and revocation."""

from __future__ import annotations

import asyncio
import contextvars
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from streams.sync.keyed import KeyedScheduler, Ledger, Limits

# --- the ledger (pure) ---------------------------------------------------------------------


def test_a_ledger_acknowledges_only_the_run_of_done_offsets_at_its_head() -> None:
    ledger: Ledger[str] = Ledger()
    for offset in (3, 4, 5, 7):
        ledger.add(offset, f"m{offset}")
    assert ledger.finish(5) == ([], [])
    assert ledger.finish(7) == ([], [])
    assert ledger.finish(3) == (["m3"], [])
    assert ledger.finish(4) == (["m4", "m5", "m7"], [])
    assert len(ledger) == 0


def test_a_ledger_refuses_an_offset_out_of_order() -> None:
    ledger: Ledger[str] = Ledger()
    ledger.add(5, "m5")
    with pytest.raises(ValueError, match="not in order"):
        ledger.add(5, "again")


def test_a_revoked_ledger_acknowledges_nothing_past_what_had_not_started() -> None:
    ledger: Ledger[str] = Ledger()
    for offset in range(6):
        ledger.add(offset, f"m{offset}")
    ledger.finish(3)  # done behind the running 0..2, before the cut
    assert ledger.revoke([4, 5]) == ["m4", "m5"]
    assert ledger.finish(1) == ([], [])
    assert ledger.finish(0) == (["m0", "m1"], [])
    assert ledger.finish(2) == (["m2", "m3"], [])


def test_what_finishes_behind_a_dropped_offset_is_stranded_not_acknowledged() -> None:
    ledger: Ledger[str] = Ledger()
    for offset in range(5):
        ledger.add(offset, f"m{offset}")
    ledger.finish(4)  # done, behind 2, which never starts
    assert ledger.revoke([2]) == ["m2", "m4"]
    assert ledger.finish(3) == ([], ["m3"])  # was running past the cut
    assert ledger.finish(0) == (["m0"], [])
    assert ledger.finish(1) == (["m1"], [])
    assert len(ledger) == 0


def test_a_ledger_tells_an_offset_read_again_even_once_acknowledged() -> None:
    ledger: Ledger[str] = Ledger()
    ledger.add(4, "m4")
    assert ledger.finish(4) == (["m4"], [])
    assert ledger.follows(5)
    assert not ledger.follows(4)  # read again: Faust sought back to its committed offset
    with pytest.raises(ValueError, match="not in order"):
        ledger.add(2, "m2")


def test_an_abandoned_ledger_acknowledges_nothing_more() -> None:
    ledger: Ledger[str] = Ledger()
    for offset in range(4):
        ledger.add(offset, f"m{offset}")
    assert ledger.finish(2) == ([], [])  # done behind the running head
    assert ledger.abandon() == ["m2"]  # read again by the new reading: not acknowledged
    assert ledger.finish(0) == ([], ["m0"])  # was running
    assert ledger.finish(3) == ([], ["m3"])
    assert ledger.empty() == ["m1"]
    assert len(ledger) == 0


# --- the scheduler ------------------------------------------------------------------------


@dataclass(frozen=True)
class Msg:
    partition: int
    offset: int
    key: str


@dataclass
class Record:
    """What a run did: starts and ends per key, acknowledgements per partition."""

    finished: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    running: set[str] = field(default_factory=set)
    started: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    acked: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    forgotten: list[Msg] = field(default_factory=list)
    most_at_once: int = 0
    overlaps: list[str] = field(default_factory=list)
    early_acks: list[Msg] = field(default_factory=list)

    async def ack(self, msg: Msg) -> None:
        earlier = [o for o in range(msg.offset + 1) if o not in self.finished[msg.partition]]
        if earlier:
            self.early_acks.append(msg)
        self.acked[msg.partition].append(msg.offset)

    def forget(self, msg: Msg) -> None:
        self.forgotten.append(msg)


def scheduler(record: Record, limits: Limits) -> KeyedScheduler[Msg]:
    return KeyedScheduler(limits, record.ack, record.forget)


def step(record: Record, msg: Msg, latency: float, gate: asyncio.Event | None = None):  # type: ignore[no-untyped-def]
    async def work() -> None:
        if msg.key in record.running:
            record.overlaps.append(msg.key)
        record.running.add(msg.key)
        record.started[msg.key].append(msg.offset)
        record.most_at_once = max(record.most_at_once, len(record.running))
        await asyncio.sleep(latency)
        if gate is not None:
            await gate.wait()
        record.running.discard(msg.key)
        record.finished[msg.partition].add(msg.offset)

    return work


KEYS, PER_KEY, PARTITIONS = 40, 5, 4


async def test_each_key_in_order_and_alone_with_many_keys_at_once_at_100_ms() -> None:
    dice = random.Random(18)  # noqa: S311 - reproducible latencies
    record = Record()
    keyed = scheduler(record, Limits(concurrency=64, in_flight=1000, per_partition=250))
    offsets = [0] * PARTITIONS
    sent: dict[str, list[int]] = defaultdict(list)
    for n in range(KEYS * PER_KEY):
        key = f"pair-{dice.randrange(KEYS)}"
        partition = hash(key) % PARTITIONS
        msg = Msg(partition, offsets[partition], key)
        offsets[partition] += 1
        sent[key].append(msg.offset)
        work = step(record, msg, dice.uniform(0.05, 0.15))
        await keyed.submit(partition, msg.offset, key, msg, work)
        if n % 7 == 0:
            await asyncio.sleep(0)
    await keyed.idle()
    assert record.overlaps == []
    assert dict(record.started) == dict(sent)  # each key's items in the order read
    assert record.most_at_once >= 32
    assert record.early_acks == []
    for partition in range(PARTITIONS):
        assert record.acked[partition] == list(range(offsets[partition]))
    assert keyed.held == 0


async def test_a_held_head_holds_its_partitions_acknowledgements_and_no_other() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=8, in_flight=100, per_partition=100))
    gate = asyncio.Event()
    await keyed.submit(0, 0, "held", Msg(0, 0, "held"), step(record, Msg(0, 0, "held"), 0, gate))
    for offset in range(1, 6):
        msg = Msg(0, offset, f"k{offset}")
        await keyed.submit(0, offset, msg.key, msg, step(record, msg, 0.0))
    for offset in range(3):
        msg = Msg(1, offset, f"other{offset}")
        await keyed.submit(1, offset, msg.key, msg, step(record, msg, 0.0))
    await asyncio.sleep(0.05)
    assert record.finished[0] == {1, 2, 3, 4, 5}  # later ones finished
    assert record.acked[0] == []  # none acknowledged past the held head
    assert record.acked[1] == [0, 1, 2]
    assert keyed.in_flight(0) == 6
    gate.set()
    await keyed.idle()
    assert record.acked[0] == [0, 1, 2, 3, 4, 5]
    assert record.early_acks == []


async def test_reading_waits_while_a_partition_holds_its_bound() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=8, in_flight=100, per_partition=3))
    gate = asyncio.Event()
    for offset in range(3):
        msg = Msg(0, offset, f"k{offset}")
        await keyed.submit(0, offset, msg.key, msg, step(record, msg, 0, gate))
    fourth = Msg(0, 3, "k3")
    waiting = asyncio.ensure_future(keyed.submit(0, 3, "k3", fourth, step(record, fourth, 0)))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    gate.set()
    assert await asyncio.wait_for(waiting, 1.0)
    await keyed.idle()
    assert record.acked[0] == [0, 1, 2, 3]


async def test_no_more_keys_run_at_once_than_the_concurrency() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=4, in_flight=100, per_partition=100))
    for offset in range(20):
        msg = Msg(0, offset, f"k{offset}")
        await keyed.submit(0, offset, msg.key, msg, step(record, msg, 0.01))
    await keyed.idle()
    assert record.most_at_once == 4
    assert record.acked[0] == list(range(20))


async def test_on_revocation_nothing_more_starts_and_the_unstarted_are_forgotten() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=1, in_flight=3, per_partition=3))
    gate = asyncio.Event()
    head = Msg(0, 0, "a")
    await keyed.submit(0, 0, "a", head, step(record, head, 0, gate))
    queued = [Msg(0, 1, "a"), Msg(0, 2, "b")]
    for msg in queued:
        await keyed.submit(0, msg.offset, msg.key, msg, step(record, msg, 0))
    late = Msg(0, 3, "c")  # read, waiting for room
    waiting = asyncio.ensure_future(keyed.submit(0, 3, "c", late, step(record, late, 0)))
    await asyncio.sleep(0.01)
    keyed.revoke([0])
    assert await asyncio.wait_for(waiting, 1.0) is False
    gate.set()
    await keyed.idle()
    assert dict(record.started) == {"a": [0]}  # the running one finished, nothing else ran
    assert record.acked[0] == [0]
    assert sorted(m.offset for m in record.forgotten) == [1, 2, 3]
    assert keyed.held == 0
    again = Msg(0, 1, "a")  # the next assignment reads from the committed offset again
    assert await keyed.submit(0, 1, "a", again, step(record, again, 0))
    await keyed.idle()
    assert record.acked[0] == [0, 1]


async def test_each_item_runs_in_the_context_it_was_read_in() -> None:
    current: contextvars.ContextVar[str] = contextvars.ContextVar("current")
    seen: dict[str, str] = {}
    record = Record()
    keyed = scheduler(record, Limits(concurrency=4, in_flight=100, per_partition=100))
    for offset, key in enumerate(["a", "b", "a", "c", "a"]):
        current.set(f"event {offset}")

        async def work(offset: int = offset) -> None:
            await asyncio.sleep(0.001)
            seen[f"event {offset}"] = current.get()

        await keyed.submit(0, offset, key, Msg(0, offset, key), work, contextvars.copy_context())
    await keyed.idle()
    assert seen == {f"event {n}": f"event {n}" for n in range(5)}


async def test_work_that_fails_or_is_cancelled_from_within_still_lets_its_partition_go_on() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=4, in_flight=3, per_partition=3))

    async def cancelled_elsewhere() -> None:
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        gone.cancel()  # e.g. a producer's send future cancelled when it restarts
        await gone

    async def failing() -> None:
        raise RuntimeError("a bug")

    await keyed.submit(0, 0, "k0", Msg(0, 0, "k0"), cancelled_elsewhere)
    await keyed.submit(0, 1, "k1", Msg(0, 1, "k1"), failing)
    await keyed.submit(0, 2, "k2", Msg(0, 2, "k2"), step(record, Msg(0, 2, "k2"), 0.0))
    # the bound (3 in flight) is full until those are done: this submit must not hang
    msg = Msg(0, 3, "k3")
    await asyncio.wait_for(keyed.submit(0, 3, "k3", msg, step(record, msg, 0.0)), 2.0)
    await keyed.idle()
    assert record.acked[0] == [0, 1, 2, 3]
    assert keyed.held == 0


async def test_a_partition_read_again_without_a_revocation_leaves_its_old_reading() -> None:
    """Faust can be given a partition back and seek it to its committed offset without the
    revocation reaching the scheduler: the old reading's events are neither acknowledged
    (that is the new reading's to do) nor held for ever (Faust waits for them on stop)."""
    record = Record()
    keyed = scheduler(record, Limits(concurrency=2, in_flight=8, per_partition=8))
    gate = asyncio.Event()
    head, done, queued = Msg(0, 0, "a"), Msg(0, 1, "b"), Msg(0, 2, "a")
    await keyed.submit(0, 0, "a", head, step(record, head, 0, gate))
    await keyed.submit(0, 1, "b", done, step(record, done, 0))
    await keyed.submit(0, 2, "a", queued, step(record, queued, 0))
    await asyncio.sleep(0.01)
    again = [Msg(0, n, k) for n, k in ((0, "a"), (1, "b"), (2, "a"))]
    for msg in again:  # from the committed offset, 0
        assert await keyed.submit(0, msg.offset, msg.key, msg, step(record, msg, 0))
    await asyncio.sleep(0.01)
    gate.set()
    await keyed.idle()
    assert sorted(m.offset for m in record.forgotten) == [0, 1, 2]
    assert {id(m) for m in record.forgotten} == {id(head), id(done), id(queued)}
    assert record.acked[0] == [0, 1, 2]  # the new reading's, each once
    assert keyed.held == 0
    assert keyed.in_flight(0) == 0


async def test_stopping_forgets_what_was_not_acknowledged() -> None:
    record = Record()
    keyed = scheduler(record, Limits(concurrency=1, in_flight=8, per_partition=8))
    gate = asyncio.Event()
    msgs = [Msg(0, 0, "a"), Msg(0, 1, "b"), Msg(1, 0, "c")]
    for msg in msgs:
        await keyed.submit(msg.partition, msg.offset, msg.key, msg, step(record, msg, 0, gate))
    await asyncio.sleep(0.01)
    await keyed.stop()
    assert sorted(record.forgotten, key=lambda m: (m.partition, m.offset)) == msgs
    assert record.acked == {}
    assert keyed.held == 0
