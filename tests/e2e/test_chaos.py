"""The engine under trouble: kill -9 mid-burst, two workers sharing (and losing one),
and JIRA's rate limits. Nothing lost, nothing duplicated, no 429 storm.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from sandbox.config import RateLimits
from tests.e2e.harness import Pipeline, fields_of, pipeline

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


async def test_kill_9_during_a_burst_loses_and_duplicates_nothing(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    dice = random.Random(5)  # noqa: S311 - reproducible chaos, not secrecy
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        made: dict[int, list[str]] = {1: [], 2: []}
        done = asyncio.Event()

        async def burst() -> None:
            for n in range(24):
                site = 1 if n % 3 else 2
                summary = f"Burst {n}"
                key = await p.create(site, summary, labels=[f"n{n}"])
                made[site].append(summary)
                if n % 4 == 3:  # and an edit of this one, right away
                    await p.edit(site, key, labels=[f"n{n}", "edited"])
                await asyncio.sleep(dice.uniform(0.05, 0.4))
            done.set()

        async def killer() -> None:
            for _ in range(3):
                await asyncio.sleep(dice.uniform(1.0, 3.0))
                [worker] = p.alive()
                p.kill(worker)
                p.start_worker()

        await asyncio.gather(burst(), killer())
        await p.eventually(
            lambda: converged(p, 1, made[1]) and converged(p, 2, made[2]), within=150
        )
        await p.quiet()
        no_duplicates(p)
        assert len(p.issues(1)) == len(p.issues(2)) == 24
        assert len(p.workers) == 4
        for n in range(3, 24, 4):
            mine = p.find(1 if n % 3 else 2, f"Burst {n}")
            assert mine is not None
            assert sorted(fields_of(mine)["labels"]) == sorted([f"n{n}", "edited"])


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
