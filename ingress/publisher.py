"""The publisher port: hand one record to the producer; a future says when the broker has it.

``KafkaPublisher`` (``ingress.kafka``) is the real one; ``MemoryPublisher`` is the honest
fake of the unit tests: it records what was published, in order, and can be made slow or
unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

RecordHeaders = Sequence[tuple[str, bytes]]


class PublishError(Exception):
    """The broker did not take the record; JIRA should retry later (answer 503)."""


class MessageTooLarge(PublishError):
    """The record can never be taken by the broker (answer 413)."""


class Publisher(Protocol):
    async def start(self) -> None:
        """Open connections; a broker that is down must not make this fail."""

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
    ) -> asyncio.Future[None]:
        """Hand the record over; the future resolves once the broker acknowledged it, or
        fails with ``PublishError``. ``MessageTooLarge`` may also be raised at once."""

    async def close(self) -> None:
        """Flush what is pending, then release connections."""


async def publish(
    publisher: Publisher, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
) -> None:
    """Send and wait for the acknowledgement."""
    await (await publisher.send(topic, key, value, headers))


@dataclass(frozen=True)
class Published:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class MemoryPublisher:
    """Records every published record; ``available``/``gate`` simulate a broker."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.records: list[Published] = []
        self.available = True
        self.gate: asyncio.Event | None = None
        self.waiting = 0
        self.started = False
        self.closed = False
        self._max_bytes = max_bytes
        self._gated: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.started = True

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
    ) -> asyncio.Future[None]:
        if self.closed:
            raise PublishError("publisher is closed")
        if self._max_bytes is not None and len(value) > self._max_bytes:
            raise MessageTooLarge(f"record of {len(value)} bytes is over {self._max_bytes}")
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        record = Published(topic, key, value, tuple(headers))
        if self.gate is None:
            self._land(acked, record)
        else:
            task = asyncio.create_task(self._after_gate(self.gate, acked, record))
            self._gated.add(task)
            task.add_done_callback(self._gated.discard)
        return acked

    async def _after_gate(
        self, gate: asyncio.Event, acked: asyncio.Future[None], record: Published
    ) -> None:
        self.waiting += 1
        try:
            await gate.wait()
        finally:
            self.waiting -= 1
        self._land(acked, record)

    def _land(self, acked: asyncio.Future[None], record: Published) -> None:
        if acked.done():  # given up on (cancelled): the broker never got it
            return
        if not self.available:
            acked.set_exception(PublishError("broker unavailable"))
            return
        self.records.append(record)
        acked.set_result(None)

    async def close(self) -> None:
        self.closed = True

    def on(self, topic: str) -> list[Published]:
        return [record for record in self.records if record.topic == topic]
