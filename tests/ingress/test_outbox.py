"""The outbox: a deadline per publication, and each delivery id on the log once."""

from __future__ import annotations

import asyncio

import pytest

from ingress.outbox import Outbox, Outcome, Unavailable
from ingress.publisher import MemoryPublisher, MessageTooLarge


async def test_publishes_then_answers_a_repeated_id_without_publishing() -> None:
    publisher = MemoryPublisher()
    outbox = Outbox(publisher, deadline=1)
    assert await outbox.publish("w-1", "t", b"k", b"v") is Outcome.PUBLISHED
    assert await outbox.publish("w-1", "t", b"k", b"v") is Outcome.DUPLICATE
    assert await outbox.publish("w-1", "other-topic", b"k", b"v") is Outcome.PUBLISHED
    assert [record.topic for record in publisher.records] == ["t", "other-topic"]


async def test_a_slow_broker_gives_unavailable_and_the_retry_joins_the_same_publication() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    outbox = Outbox(publisher, deadline=0.05)
    with pytest.raises(Unavailable, match=r"did not acknowledge within 0\.05 s"):
        await outbox.publish("w-1", "t", b"k", b"first attempt")
    assert outbox.pending == 1
    retry = asyncio.create_task(outbox.publish("w-1", "t", b"k", b"retry"))
    await asyncio.sleep(0.01)
    publisher.gate.set()
    assert await retry is Outcome.PUBLISHED
    assert [record.value for record in publisher.records] == [b"first attempt"]
    assert await outbox.publish("w-1", "t", b"k", b"third") is Outcome.DUPLICATE
    assert outbox.pending == 0


async def test_an_acknowledgement_after_the_deadline_makes_the_retry_a_duplicate() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    outbox = Outbox(publisher, deadline=0.01)
    with pytest.raises(Unavailable):
        await outbox.publish("w-1", "t", b"k", b"v")
    publisher.gate.set()
    await asyncio.sleep(0.01)
    assert await outbox.publish("w-1", "t", b"k", b"v") is Outcome.DUPLICATE
    assert len(publisher.records) == 1


async def test_a_failed_publication_is_forgotten_so_the_retry_publishes() -> None:
    publisher = MemoryPublisher()
    publisher.available = False
    outbox = Outbox(publisher, deadline=1)
    with pytest.raises(Unavailable, match="broker unavailable"):
        await outbox.publish("w-1", "t", b"k", b"v")
    publisher.available = True
    assert await outbox.publish("w-1", "t", b"k", b"v") is Outcome.PUBLISHED
    assert len(publisher.records) == 1


async def test_a_record_too_large_for_the_broker_is_not_unavailable() -> None:
    outbox = Outbox(MemoryPublisher(max_bytes=3), deadline=1)
    with pytest.raises(MessageTooLarge):
        await outbox.publish("w-1", "t", b"k", b"four")


async def test_too_much_waiting_for_the_broker_refuses_at_once() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    outbox = Outbox(publisher, deadline=0.01, max_pending=2)
    for n in range(2):
        with pytest.raises(Unavailable, match="did not acknowledge"):
            await outbox.publish(f"w-{n}", "t", b"k", b"v")
    with pytest.raises(Unavailable, match="2 records are waiting for the broker"):
        await outbox.publish("w-2", "t", b"k", b"v")
    publisher.gate.set()
    assert await outbox.drain(grace=1) == 0


async def test_memory_is_bounded_by_forgetting_the_oldest_acknowledged_ids() -> None:
    publisher = MemoryPublisher()
    outbox = Outbox(publisher, deadline=1, remember=2)
    for delivery_id in ("a", "b", "c"):
        await outbox.publish(delivery_id, "t", b"k", b"v")
    assert await outbox.publish("c", "t", b"k", b"v") is Outcome.DUPLICATE
    assert await outbox.publish("a", "t", b"k", b"v") is Outcome.PUBLISHED


async def test_drain_waits_for_late_publications_and_cancels_what_is_left() -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    outbox = Outbox(publisher, deadline=0.01)
    with pytest.raises(Unavailable):
        await outbox.publish("w-1", "t", b"k", b"v")
    assert await outbox.drain(grace=0.05) == 1
    assert outbox.pending == 0
    publisher.gate.set()
    assert await outbox.publish("w-1", "t", b"k", b"v") is Outcome.PUBLISHED
