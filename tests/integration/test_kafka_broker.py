"""Produce and consume through the real broker with aiokafka."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

pytestmark = pytest.mark.integration


async def test_records_round_trip_in_order_with_keys(
    kafka_bootstrap: str, unique_name: str
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        acks = [
            await producer.send_and_wait(unique_name, key=b"10001", value=f"event-{n}".encode())
            for n in range(5)
        ]
    finally:
        await producer.stop()
    assert [ack.offset for ack in acks] == [0, 1, 2, 3, 4]

    consumer = AIOKafkaConsumer(
        unique_name,
        bootstrap_servers=kafka_bootstrap,
        group_id=unique_name,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        received = []
        async with asyncio.timeout(30):
            while len(received) < 5:
                batch = await consumer.getmany(timeout_ms=1000)
                received += [record for records in batch.values() for record in records]
        await consumer.commit()
        committed = await consumer.committed(next(iter(consumer.assignment())))
    finally:
        await consumer.stop()
    assert [record.value for record in received] == [f"event-{n}".encode() for n in range(5)]
    assert {record.key for record in received} == {b"10001"}
    assert committed == 5
