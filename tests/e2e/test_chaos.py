"""The engine under trouble: kill -9 mid-burst, two workers sharing (and losing one),
and JIRA's rate limits. Nothing lost, nothing duplicated, no 429 storm.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from harness.humans import Humans
from harness.pipeline import Pipeline, fields_of, pipeline
from sandbox.config import RateLimits

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def converged(p: Pipeline, origin: int, summaries: list[str]) -> bool:
    """Every issue made on ``origin`` has exactly one counterpart, with equal fields."""
    there = 2 if origin == 1 else 1
    for summary in summaries:
        mine = p.find(origin, summary)
        if mine is None:
            return False
        twins = [i for i in p.issues(there).values() if i.fields.get("summary") == summary]
        if len(twins) != 1 or fields_of(twins[0]) != fields_of(mine):
            return False
    return True


def no_duplicates(p: Pipeline) -> None:
    for site in (1, 2):
        summaries = [i.fields.get("summary") for i in p.issues(site).values()]
        assert len(summaries) == len(set(summaries)), "an issue was created twice"


def consuming(p: Pipeline, worker: subprocess.Popen[bytes]) -> bool:
    return p.steps(worker) >= 20


ISSUES, CHANGES, BURST_SECONDS, KILLS = 200, 1000, 25.0, 3


async def test_kill_9_during_a_burst_loses_and_duplicates_nothing(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """1,000 changes in 25 s (200 creates, 100 per site, then edits and transitions of
    them on both sites) while the worker is killed with SIGKILL three times, each time
    once the new worker is consuming."""
    dice = random.Random(5)  # noqa: S311 - reproducible chaos, not secrecy
    limits = {"rate_limits": RateLimits()}  # JIRA Cloud's own, burst and per issue
    options = {1: limits, 2: limits}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options) as p:
        humans = Humans(p, dice)
        loop = asyncio.get_running_loop()
        began = loop.time()
        kills: list[float] = []

        async def burst() -> None:
            for n in range(CHANGES):
                await asyncio.sleep(began + n * BURST_SECONDS / CHANGES - loop.time())
                if n % 2 == 0 and len(humans.made) < ISSUES:  # the first 40%: half creates
                    await humans.create(1 if n % 4 == 0 else 2)
                else:
                    await humans.change()

        async def killer() -> None:
            when = random.Random(6)  # noqa: S311
            for _ in range(KILLS):
                [worker] = p.alive()
                await p.eventually(partial(consuming, p, worker), within=60)
                await asyncio.sleep(when.uniform(0.0, 2.0))
                p.kill(worker)
                kills.append(round(loop.time() - began, 1))
                p.start_worker()

        await asyncio.gather(burst(), killer())
        burst_took = loop.time() - began
        assert humans.changes == CHANGES
        await humans.synced(within=90)
        synced = loop.time() - began
        await p.quiet()
        humans.check()
        assert len(p.workers) == KILLS + 1
        states = Counter(state["status"] for state in (await p.pair_states()).values())
        assert states == {"synced": ISSUES}, states
        assert await p.dead_letters() == []
        deliveries = Counter(d.state for s in p.sites.values() for d in s.emulator.deliveries)
        assert set(deliveries) == {"delivered"}, deliveries
        await humans.no_write_back()
        # Per pair at most a create and a remote link each way; per human change at most
        # one write on the other side (several changes of one issue may share one); a
        # killed worker's last step may be done again (its remote links, at most).
        writes = p.sync_writes(1) + p.sync_writes(2)
        assert writes <= 3 * ISSUES + (CHANGES - ISSUES) + 2 * KILLS, writes
        print(
            f"burst {burst_took:.1f} s, kills at {kills} s, synced at {synced:.1f} s; "
            f"{writes} sync writes, {p.throttled(1) + p.throttled(2)} answers 429 to the sync, "
            f"deliveries {dict(deliveries)}"
        )


async def test_two_workers_share_the_work_and_one_dying_loses_nothing(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, workers=2, partitions=4) as p:
        await p.eventually(lambda: p.group_ready(2), within=90)
        first = {1: [f"Shared {n}" for n in range(8)], 2: [f"Other {n}" for n in range(8)]}
        for site, summaries in first.items():
            for summary in summaries:
                await p.create(site, summary)
        await p.eventually(
            lambda: converged(p, 1, first[1]) and converged(p, 2, first[2]), within=90
        )
        logs = [(p.tmp / f"worker-{n}.log").read_text() for n in range(2)]
        assert all("writes)" in log for log in logs), "both workers should have had pairs"

        p.kill(p.workers[0])
        second = {1: [f"Later {n}" for n in range(6)], 2: [f"After {n}" for n in range(6)]}
        for site, summaries in second.items():
            for summary in summaries:
                await p.create(site, summary)
        key = next(k for k, i in p.issues(1).items() if i.fields["summary"] == "Shared 0")
        await p.edit(1, key, labels=["after-failover"])
        everything = {site: first[site] + second[site] for site in (1, 2)}
        await p.eventually(
            lambda: converged(p, 1, everything[1]) and converged(p, 2, everything[2]),
            within=120,
        )
        await p.quiet()
        no_duplicates(p)
        twin = p.find(2, "Shared 0")
        assert twin is not None
        assert twin.fields["labels"] == ["after-failover"]


async def test_rate_limits_on_converge_without_a_429_storm(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """Both sites enforce a tenth of JIRA Cloud's burst limits; the worker is told so."""
    limits = RateLimits(
        get_per_second=10, post_per_second=10, put_per_second=5, delete_per_second=5
    )
    options = {1: {"rate_limits": limits}, 2: {"rate_limits": limits}}
    env = {"JIRA_RATE_LIMIT_SCALE": "0.1"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options, env=env) as p:
        summaries = [f"Limited {n}" for n in range(30)]
        for summary in summaries:
            p.create_inside(1, summary)
        await p.eventually(lambda: converged(p, 1, summaries), within=120)
        await p.quiet()
        no_duplicates(p)
        calls = sum(len(site.emulator.calls) for site in p.sites.values())
        refused = p.throttled(1) + p.throttled(2)
        assert refused <= 3, f"{refused} answers of 429 out of {calls} calls"
