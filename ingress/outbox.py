"""Publish with a deadline, once per delivery id.

JIRA retries a delivery with the same ``X-Atlassian-Webhook-Identifier`` when it did not
get a 2xx. When the broker is slow, the record of an attempt answered 503 may still be
acknowledged later (the idempotent producer keeps retrying it). So the outbox keeps the
publication running past the deadline and remembers it: a retry of a delivery still in
flight waits for that same publication, and a retry of one already acknowledged is
answered without publishing again. The log then holds each delivery once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from enum import Enum, StrEnum

from ingress.publisher import MessageTooLarge, Publisher, PublishError


class Unavailable(Exception):
    """Not acknowledged in time, or too much is waiting for the broker (answer 503)."""


class Outcome(StrEnum):
    PUBLISHED = "published"
    DUPLICATE = "duplicate"


class Acked(Enum):
    """What is kept of a publication the broker acknowledged: nothing but the fact."""

    ACKED = "acked"


ACKED = Acked.ACKED


class Outbox:
    def __init__(
        self,
        publisher: Publisher,
        deadline: float,
        remember: int = 100_000,
        max_pending: int = 10_000,
    ) -> None:
        self._publisher = publisher
        self._deadline = deadline
        self._remember = remember
        self._max_pending = max_pending
        self._flights: OrderedDict[str, asyncio.Task[None] | Acked] = OrderedDict()
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def publish(
        self, delivery_id: str, topic: str, key: bytes | None, value: bytes
    ) -> Outcome:
        """Publish unless this id was acknowledged before; raise ``Unavailable`` on timeout."""
        flight_id = f"{topic}\x00{delivery_id}"
        flight = self._flights.get(flight_id)
        if flight is ACKED:
            self._flights.move_to_end(flight_id)
            return Outcome.DUPLICATE
        if not isinstance(flight, asyncio.Task) or _failed(flight):
            flight = self._launch(flight_id, topic, key, value)
        await self._wait(flight)
        return Outcome.PUBLISHED

    def _launch(
        self, flight_id: str, topic: str, key: bytes | None, value: bytes
    ) -> asyncio.Task[None]:
        if len(self._pending) >= self._max_pending:
            raise Unavailable(f"{len(self._pending)} records are waiting for the broker")
        flight = asyncio.create_task(self._publisher.publish(topic, key, value))
        self._flights[flight_id] = flight
        self._pending.add(flight)
        flight.add_done_callback(lambda done: self._settled(flight_id, done))
        return flight

    async def _wait(self, flight: asyncio.Task[None]) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(flight), self._deadline)
        except TimeoutError:
            raise Unavailable(
                f"the broker did not acknowledge within {self._deadline:g} s"
            ) from None
        except MessageTooLarge:
            raise
        except PublishError as error:
            raise Unavailable(str(error)) from error

    def _settled(self, flight_id: str, flight: asyncio.Task[None]) -> None:
        """Keep only a marker of an acknowledged id; forget a failed one."""
        self._pending.discard(flight)
        if self._flights.get(flight_id) is not flight:
            return
        if _failed(flight):
            del self._flights[flight_id]
            return
        self._flights[flight_id] = ACKED
        while len(self._flights) > self._remember:
            oldest_id, oldest = next(iter(self._flights.items()))
            if oldest is not ACKED:
                break
            del self._flights[oldest_id]

    async def drain(self, grace: float) -> int:
        """Wait for publications still in flight; cancel the rest. Return how many."""
        if not self._pending:
            return 0
        _, late = await asyncio.wait(set(self._pending), timeout=grace)
        for flight in late:
            flight.cancel()
        for flight in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await flight
        return len(late)


def _failed(flight: asyncio.Task[None]) -> bool:
    """Done with an error; reading the exception also marks it as retrieved."""
    return flight.done() and (flight.cancelled() or flight.exception() is not None)
