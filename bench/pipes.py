"""The real pipeline for benchmarks: ``harness.pipeline`` (ingress and two
emulated sites in this process, real Kafka, worker processes), plus what the benchmarks
add: a pool of synced pairs, human edits made inside the emulator, latency injection.

The emulators' OpenAPI contract check is switched off: it validates every request and
answer against the 2 MB description in this process and would measure the check, not the
sync. Human changes are made inside the emulator (``Site.edit``): their webhooks fire as
for a REST edit, without the load generator's HTTP traffic competing with the pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.pipeline import Pipeline, pipeline
from harness.sites import HUMANS, SYNC_ACCOUNT
from sandbox.model import Issue
from sandbox.users import User

LINK = "jira-sync.link"
PARTITIONS = 8  # KAFKA_PARTITIONS' default


@dataclass(frozen=True)
class Pair:
    """An issue of the pool (edited on ``site``) and its counterpart on the other site."""

    number: int
    site: int
    issue: Issue
    twin: Issue


@asynccontextmanager
async def bench_pipeline(
    kafka: str, name: str, work: Path, **options: Any
) -> AsyncIterator[Pipeline]:
    prefix = f"bench-{name}-{uuid.uuid4().hex[:8]}"
    tmp = work / prefix
    tmp.mkdir(parents=True)
    options.setdefault("partitions", PARTITIONS)
    async with pipeline(kafka, prefix, tmp, **options) as p:
        for running in p.sites.values():
            running.emulator.contract = None
        await settled(p, options.get("workers", 1))
        yield p


async def settled(p: Pipeline, workers: int, within: float = 120.0) -> None:
    """Until the group is stable with ``workers`` members and each has finished recovering
    from the last rebalance. Events sent earlier were seen lost: dead-lettered with "the
    changelog topic has 0 partitions", or skipped by a worker still recovering (faust drops
    messages fetched in an older generation; on never-committed partitions the next event
    commits past them)."""

    async def ready() -> bool:
        return await p.group_ready(workers) and all(map(recovered, worker_logs(p)))

    await p.eventually(ready, within=within)
    await asyncio.sleep(1.0)
    await p.eventually(ready, within=within)


def worker_logs(p: Pipeline) -> list[Path]:
    return [p.tmp / f"worker-{n}.log" for n in range(len(p.workers))]


def recovered(log: Path) -> bool:
    text = log.read_bytes()
    assigned = text.rfind(b"Setting newly assigned partitions")
    return assigned >= 0 and text.rfind(b"Worker ready") > assigned


def human(p: Pipeline, site: int) -> User:
    email = f"{HUMANS[site]}@example.com"
    return next(u for u in p.sites[site].emulator.users.all() if u.email == email)


def edit_inside(p: Pipeline, site: int, issue: Issue, fields: dict[str, Any]) -> None:
    """A human edit made inside the emulator: history, index and webhook as over REST."""
    p.sites[site].emulator.site.edit(human(p, site), issue, {"fields": fields})


def set_latency(p: Pipeline, seconds: float) -> None:
    """Every REST answer of both sites waits ``seconds`` (JIRA's own latency)."""
    for running in p.sites.values():
        emulator = running.emulator
        emulator.faults = emulator.faults.model_copy(update={"latency": seconds})


def counterparts(p: Pipeline, site: int) -> dict[str, Issue]:
    """Issues on ``site`` made by the sync, by the id of the issue they copy."""
    found = {}
    for issue in p.issues(site).values():
        marker = issue.properties.get(LINK)
        if isinstance(marker, dict) and marker.get("site") != site:
            found[str(marker.get("id"))] = issue
    return found


async def make_pool(p: Pipeline, size: int, within: float = 300.0) -> list[Pair]:
    """``size`` issues, half made on each site, and each synced to the other; waits until
    the sites are quiet, so no echo of the set-up is left in flight. Issues that got no
    counterpart within ``within`` seconds are left out (``size - len(pool)`` were lost)."""
    made = []
    for number in range(size):
        site = 1 + number % 2
        key = p.create_inside(site, f"bench {number}")
        made.append((number, site, p.issues(site)[key]))

    def twins() -> dict[int, Issue]:
        there = {site: counterparts(p, 2 if site == 1 else 1) for site in (1, 2)}
        return {n: there[site][i.id] for n, site, i in made if i.id in there[site]}

    with contextlib.suppress(AssertionError):
        await p.eventually(lambda: len(twins()) == size, within=within)
    await p.quiet(still=2.0, within=within)
    found = twins()
    return [Pair(n, site, issue, found[n]) for n, site, issue in made if n in found]


def complete(pool: list[Pair], size: int, p: Pipeline) -> list[Pair]:
    if len(pool) < size:
        raise SystemExit(
            f"bench: {size - len(pool)} of {size} issues of the pool never got a counterpart;"
            f" worker logs in {p.tmp}"
        )
    return pool


def sync_calls(p: Pipeline, since: float = 0.0) -> dict[int, list[Any]]:
    """The sync account's REST calls on each site answered at or after ``since``."""
    return {
        site: [c for c in running.emulator.calls if c.email == SYNC_ACCOUNT and c.at >= since]
        for site, running in p.sites.items()
    }


async def drained(p: Pipeline, within: float = 600.0) -> None:
    """Until the workers' group has committed every event and pair change, and the sites are
    quiet: what one measurement left behind cannot reach the next."""

    async def nothing_left() -> bool:
        return all(entry == "None/0" for entry in (await p.lag()).values())  # never used

    await p.eventually(nothing_left, within=within)
    await p.quiet(still=2.0, within=within)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (Linux ``/proc``), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
