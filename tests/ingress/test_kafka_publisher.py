"""``KafkaPublisher`` replaces a producer whose idempotence state the broker rejects.

aiokafka's idempotent producer never resynchronises its sequence numbers: after a broker
restart with records in flight, every later record fails with OutOfOrderSequenceNumber
(aio-libs/aiokafka#1017), so an ingress keeping that producer answers 503 for good and
JIRA's retries run out. Seen in ``tests/e2e/test_chaos_broker.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import (
    KafkaError,
    LeaderNotAvailableError,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
)

from ingress.kafka import KafkaPublisher, ProducerConfig
from ingress.publisher import PublishError


class FakeProducer:
    def __init__(self, failures: list[KafkaError]) -> None:
        self.failures = failures
        self.sent: list[bytes] = []
        self.stopped = False

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, headers: Any = None
    ) -> asyncio.Future[None]:
        """As aiokafka's: the record is taken, the broker's answer comes in the future."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failures:
            future.set_exception(self.failures.pop(0))
        else:
            self.sent.append(value)
            future.set_result(None)
        return future

    async def stop(self) -> None:
        self.stopped = True


def publisher_with(producers: list[FakeProducer], monkeypatch: pytest.MonkeyPatch) -> Any:
    publisher = KafkaPublisher(ProducerConfig(bootstrap_servers="127.0.0.1:1"))
    queue = list(producers)

    async def started(self: KafkaPublisher) -> FakeProducer:
        return queue.pop(0)

    monkeypatch.setattr(KafkaPublisher, "_started_producer", started)
    return publisher


@pytest.mark.parametrize("error", [OutOfOrderSequenceNumber, UnknownProducerId])
async def test_a_producer_out_of_sequence_is_replaced(
    error: type[KafkaError], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = FakeProducer([error(), error()])  # it would fail every record from now on
    fresh = FakeProducer([])
    publisher = publisher_with([broken, fresh], monkeypatch)
    with pytest.raises(PublishError, match=error.__name__):
        await publisher.publish("t", b"k", b"first")
    await publisher.publish("t", b"k", b"retried")
    assert fresh.sent == [b"retried"]
    await publisher.close()
    assert broken.stopped
    assert fresh.stopped


async def test_a_passing_broker_error_keeps_the_producer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    producer = FakeProducer([LeaderNotAvailableError()])
    publisher = publisher_with([producer], monkeypatch)
    with pytest.raises(PublishError, match="LeaderNotAvailable"):
        await publisher.publish("t", b"k", b"first")
    await publisher.publish("t", b"k", b"retried")
    assert producer.sent == [b"retried"]
    assert not producer.stopped
    await publisher.close()
