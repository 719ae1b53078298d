"""A pair's state is on Kafka before a step writes to JIRA (``kafka_io.durably``), with fake topics:
a send the broker did not acknowledge is made again, and a slow flush is reported."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import faust
import pytest

from streams.state import PairState, PairStatus
from streams.sync.kafka_io import Sinks, flushed
from streams.sync.kafka_io import durably as _durably

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PAIR = PairState(pair_id="1:10001", version=2, origin=1, status=PairStatus.PENDING, updated_at=NOW)


@dataclass
class Topic:
    """Each send answers with the next outcome: None acknowledged, "pending" no answer
    yet, else that error."""

    outcomes: list[Exception | str | None] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)

    async def send(self, key: bytes, value: bytes) -> asyncio.Future[None]:
        self.sent.append(value)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is None:
            done.set_result(None)
        elif isinstance(outcome, Exception):
            done.set_exception(outcome)
        return done


@dataclass
class Buffer:
    size: int = 0


@dataclass
class Producer:
    """Faust's producer without aiokafka's (whose state is then not reported)."""

    flushes: int = 0
    takes: float = 0.0
    buffer: Buffer = field(default_factory=Buffer)

    async def flush(self) -> None:
        self.flushes += 1
        await asyncio.sleep(self.takes)


@dataclass
class App:
    producer: Producer = field(default_factory=Producer)


def sinks(sync_state: Topic, journal: Topic) -> Sinks:
    return Sinks(Topic(), sync_state, Topic(), Topic(), {1: Topic(), 2: Topic()}, journal)


async def test_state_acknowledged_at_once_is_written_once() -> None:
    app, state, journal = App(), Topic(), Topic()
    table: dict[bytes, bytes] = {}
    await _durably(cast(faust.App, app), sinks(state, journal), table, b"1:10001", PAIR)
    assert (len(state.sent), len(journal.sent), app.producer.flushes) == (1, 1, 1)
    assert table[b"1:10001"] == PAIR.to_bytes()
    assert PairState.from_bytes(state.sent[0]) == PAIR


async def test_a_send_not_acknowledged_is_made_again_before_the_step_goes_on() -> None:
    app, journal = App(), Topic()
    table: dict[bytes, bytes] = {}
    state = Topic(outcomes=[TimeoutError("no answer from the broker"), None])
    await _durably(cast(faust.App, app), sinks(state, journal), table, b"1:10001", PAIR, 0.01)
    assert (len(state.sent), len(journal.sent), app.producer.flushes) == (2, 2, 2)
    assert all(PairState.from_bytes(value) == PAIR for value in state.sent)


async def test_a_send_still_unanswered_after_the_flush_is_made_again() -> None:
    app, journal = App(), Topic()
    table: dict[bytes, bytes] = {}
    state = Topic(outcomes=["pending", None])
    await _durably(cast(faust.App, app), sinks(state, journal), table, b"1:10001", PAIR, 0.01)
    assert (len(state.sent), len(journal.sent), app.producer.flushes) == (2, 2, 2)


async def test_a_slow_flush_is_reported_and_still_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App(Producer(takes=0.05))
    with caplog.at_level(logging.WARNING):
        await flushed(cast(faust.App, app), report_every=0.01)
    assert app.producer.flushes == 1
    reports = [r for r in caplog.records if "producer flush still waiting" in r.getMessage()]
    assert reports, "a flush over its report interval says so"
    assert "faust_buffer" in reports[0].getMessage()
