"""A worker whose partitions are revoked and given back to it (a second worker joins and
is killed) stops on SIGTERM at once, every event handled and committed: Faust's
``wait_empty`` has nothing left to wait for."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from tests.e2e.test_replay import copied

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
STOP_WITHIN = 20.0


async def create_all(p: Pipeline, names: list[str]) -> None:
    for n, name in enumerate(names):
        p.create_inside(1 + n % 2, name)
        await asyncio.sleep(0.2)
    await p.eventually(lambda: all(copied(p, name) for name in names), within=120)


async def test_a_worker_given_its_partitions_back_stops_on_sigterm(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, partitions=4) as p:
        [first] = p.alive()
        await create_all(p, [f"Before {n}" for n in range(6)])
        second = p.start_worker()
        await p.eventually(lambda: p.group_ready(2), within=60)
        await create_all(p, [f"Shared {n}" for n in range(6)])
        p.kill(second)  # its partitions go back to the first once its session expires
        await create_all(p, [f"After {n}" for n in range(6)])
        await p.eventually(lambda: p.group_ready(1), within=60)
        await create_all(p, [f"Alone {n}" for n in range(6)])
        await p.quiet(still=4.0)
        started = time.monotonic()
        first.send_signal(signal.SIGTERM)
        try:
            code = first.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            log = (tmp_path / "worker-0.log").read_text(errors="replace")
            pytest.fail(f"no stop within {STOP_WITHIN}s:\n{log[-6000:]}")
        assert code == 0, f"exit {code} after {time.monotonic() - started:.1f}s"
        lag = await p.lag()
        assert {tp: v for tp, v in lag.items() if v != "None/0"} == {}  # all committed
