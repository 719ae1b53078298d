"""Publish with a deadline, once per delivery id.

JIRA retries a delivery with the same ``X-Atlassian-Webhook-Identifier`` when it did not
get a 2xx. When the broker is slow, the record of an attempt answered 503 may still be
acknowledged later (the idempotent producer keeps retrying it). So the outbox remembers
the producer's future past the deadline: a retry of a delivery still in flight waits for
that same future, and a retry of one already acknowledged is answered without publishing
again. The log then holds each delivery once. No task per publication: the handler awaits
the producer's own future, handing it over and waiting both under one timeout.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from enum import Enum, StrEnum
from functools import partial

from ingress.publisher import MessageTooLarge, Publisher, PublishError, RecordHeaders


class Unavailable(Exception):
    """Not acknowledged in time, or too much is waiting for the broker (answer 503)."""


class Outcome(StrEnum):
    PUBLISHED = "published"
    DUPLICATE = "duplicate"


class Acked(Enum):
    """What is kept of a publication the broker acknowledged: nothing but the fact."""

    ACKED = "acked"


ACKED = Acked.ACKED
Flight = asyncio.Future[None]


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
        self._flights: OrderedDict[str, Flight | Acked] = OrderedDict()
        self._pending: set[Flight] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def publish(
        self,
        delivery_id: str,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: RecordHeaders = (),
    ) -> Outcome:
        """Publish unless this id was acknowledged before; raise ``Unavailable`` on timeout."""
        flight_id = f"{topic}\x00{delivery_id}"
        flight = self._flights.get(flight_id)
        if flight is ACKED:
            self._flights.move_to_end(flight_id)
            return Outcome.DUPLICATE
        try:
            async with asyncio.timeout(self._deadline):
                if not isinstance(flight, asyncio.Future) or _failed(flight):
                    flight = await self._launch(flight_id, topic, key, value, headers)
                await asyncio.shield(flight)
        except TimeoutError:
            raise Unavailable(
                f"the broker did not acknowledge within {self._deadline:g} s"
            ) from None
        except MessageTooLarge:
            raise
        except PublishError as error:
            raise Unavailable(str(error)) from error
        return Outcome.PUBLISHED

    async def _launch(
        self, flight_id: str, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders
    ) -> Flight:
        """The flight is known before the record is handed over, so a retry arriving
        meanwhile joins it instead of sending the record again."""
        if len(self._pending) >= self._max_pending:
            raise Unavailable(f"{len(self._pending)} records are waiting for the broker")
        flight: Flight = asyncio.get_running_loop().create_future()
        self._flights[flight_id] = flight
        self._pending.add(flight)
        flight.add_done_callback(partial(self._settled, flight_id))
        try:
            sent = await self._publisher.send(topic, key, value, headers)
        except BaseException as error:
            if not flight.done():
                kept = error if isinstance(error, PublishError) else None
                flight.set_exception(kept or PublishError("the record was not handed over"))
            raise
        sent.add_done_callback(partial(_copy, flight))
        return flight

    def _settled(self, flight_id: str, flight: Flight) -> None:
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
            flight.cancel()  # the producer may still deliver it: its sender got a 503
            self._pending.discard(flight)
        return len(late)


def _copy(flight: Flight, sent: Flight) -> None:
    """The producer's outcome onto the flight (which ``drain`` may have cancelled)."""
    if flight.done():
        return
    if sent.cancelled():
        flight.set_exception(PublishError("the publication was cancelled"))
    elif (error := sent.exception()) is not None:
        flight.set_exception(error)
    else:
        flight.set_result(None)


def _failed(flight: Flight) -> bool:
    """Done with an error; reading the exception also marks it as retrieved."""
    return flight.done() and (flight.cancelled() or flight.exception() is not None)
