"""The publisher port: put one record on a topic and return once the broker has it.

``KafkaPublisher`` (``ingress.kafka``) is the real one; ``MemoryPublisher`` is the honest
fake of the unit tests and the benchmark: it records what was published, in order, and
can be made slow or unavailable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol


class PublishError(Exception):
    """The broker did not take the record; JIRA should retry later (answer 503)."""


class MessageTooLarge(PublishError):
    """The record can never be taken by the broker (answer 413)."""


class Publisher(Protocol):
    async def start(self) -> None:
        """Open connections; a broker that is down must not make this fail."""

    async def publish(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Return once the broker acknowledged the record; raise ``PublishError`` if not."""

    async def close(self) -> None:
        """Flush what is pending, then release connections."""


@dataclass(frozen=True)
class Published:
    topic: str
    key: bytes | None
    value: bytes


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

    async def start(self) -> None:
        self.started = True

    async def publish(self, topic: str, key: bytes | None, value: bytes) -> None:
        if self.closed:
            raise PublishError("publisher is closed")
        if self.gate is not None:
            self.waiting += 1
            try:
                await self.gate.wait()
            finally:
                self.waiting -= 1
        if not self.available:
            raise PublishError("broker unavailable")
        if self._max_bytes is not None and len(value) > self._max_bytes:
            raise MessageTooLarge(f"record of {len(value)} bytes is over {self._max_bytes}")
        self.records.append(Published(topic, key, value))

    async def close(self) -> None:
        self.closed = True

    def on(self, topic: str) -> list[Published]:
        return [record for record in self.records if record.topic == topic]
