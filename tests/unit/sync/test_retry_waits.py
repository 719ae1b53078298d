"""A retry's wait: it ends when due, or at once when a rebalance cuts it, and the record
cut short goes back on the retry topic unchanged (never lost, never sent on early)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import faust

from streams.sync.agents import retry
from tests.unit.sync.test_agents_survive import KEY, Stream, agent, sent, sinks


async def test_a_wait_ends_when_due() -> None:
    assert await retry.Waits().until_due(0.01)


async def test_a_cut_ends_every_wait_begun_before_it_and_none_begun_after() -> None:
    waits = retry.Waits()
    early = [asyncio.create_task(waits.until_due(60)) for _ in range(3)]
    await asyncio.sleep(0)
    waits.cut()
    assert await asyncio.gather(*early) == [False, False, False]
    assert await waits.until_due(0.01)  # begun after the cut: waits its own time


async def test_a_rebalance_puts_a_waiting_retry_back_and_sends_nothing_on() -> None:
    out = sinks()
    app = faust.App("test-retry-cut", store="memory://")
    hooks: list[object] = []
    app.before_revoking = hooks  # type: ignore[attr-defined] # as SyncApp has it
    retry.install(app, out.retry, out)
    due = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    record = json.dumps({"reason": "r", "attempt": 3, "due": due}).encode()
    held = asyncio.create_task(agent(app, "retry")(Stream([(KEY, record)])))
    await asyncio.sleep(0.05)
    assert not held.done()  # waiting for its time
    [cut] = hooks
    cut({"a partition"})  # type: ignore[operator]
    await asyncio.wait_for(held, 5)
    assert sent(out.pair_changes) == []
    assert [(key, body["attempt"], body["due"]) for key, body in sent(out.retry)] == [(KEY, 3, due)]
