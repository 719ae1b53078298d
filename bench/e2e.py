"""End-to-end latency: a human change on one site until the sync has written it on the other.

The real pipeline (``bench.pipes``): webhook -> ingress -> Kafka -> one worker -> JIRA
write, the emulators answering at once or after ``--latencies`` ms. One pipeline and one
pool of synced pairs for every row; per row, summary edits at a fixed rate for
``--duration`` seconds (open loop: the load does not slow down when the pipeline does),
round the pool, each pair edited on one side only (``--cases``: 50 and 200/s at 0 ms,
200/s at 100 ms, 100/s at 300 ms). A change's latency runs from the edit
(its webhook leaves at once) to the sync's write on the other site that carries this
edit's value or a later one (the other site's history, in the emulator's clock; several
edits of one issue waiting together are carried by one write). Changes not written within
``--drain`` seconds after the load count as slower than every measured one: a quantile
falling on them shows as "-". Between rows the latency goes back to 0 and every event left
is consumed, so no row inherits a backlog. CPU is the share of one core used by the worker
and by this process (ingress, both emulators, the load) over the row.

    .venv/bin/python -m bench.e2e --kafka 127.0.0.1:9092
    .venv/bin/python -m bench.e2e --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import LoadSampler, broker, quantiles, run, run_facts, table, work_dir
from bench.common import write_report as write
from bench.pipes import (
    Pair,
    bench_pipeline,
    complete,
    cpu_seconds,
    drained,
    edit_inside,
    make_pool,
    set_latency,
)
from harness.pipeline import Pipeline
from harness.sites import SYNC_ACCOUNT

VALUE = re.compile(r"^bench (\d+) v(\d+)$")
# The issue's rows: open-loop load at JIRA Cloud's latencies (the emulator's, per call).
CASES = ("50@0", "200@0", "200@100", "100@300")


@dataclass(frozen=True)
class Scenario:
    rate: float  # changes per second offered
    latency_ms: float  # every JIRA answer waits this long


@dataclass(frozen=True)
class Plan:
    duration: float  # seconds of load
    drain: float  # seconds to wait for the last writes after the load
    pool: int  # synced pairs the edits go round
    scenarios: tuple[Scenario, ...]
    concurrency: int = 64  # the worker's SYNC_PAIR_CONCURRENCY


@dataclass
class Change:
    pair: Pair
    version: int
    at: float  # epoch seconds, the emulator's clock
    synced: float | None = None


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    changes: int
    offered_per_s: float
    synced: int
    not_synced: int
    synced_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    sync_writes: int
    worker_cpu: float
    harness_cpu: float
    worker_cpu_ms_per_change: float  # the worker's CPU time over the row / changes offered


async def offer(
    p: Pipeline, pool: list[Pair], versions: dict[int, int], rate: float, duration: float
) -> list[Change]:
    """Edits at ``rate`` per second for ``duration`` seconds, round the pool; ``versions``
    holds the last version of each pair's summary."""
    loop = asyncio.get_running_loop()
    changes: list[Change] = []
    start = loop.time()
    for n in range(max(1, round(rate * duration))):
        wait = start + n / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        pair = pool[n % len(pool)]
        versions[pair.number] += 1
        version = versions[pair.number]
        edit_inside(p, pair.site, pair.issue, {"summary": f"bench {pair.number} v{version}"})
        changes.append(Change(pair, version, time.time()))
    return changes


def written(pair: Pair) -> list[tuple[float, int]]:
    """(when, version) of every summary the sync wrote on the pair's counterpart."""
    marks = []
    for group in pair.twin.changelog:
        for item in group.items:
            found = VALUE.match(item.to_string or "") if item.field_id == "summary" else None
            if found and int(found.group(1)) == pair.number:
                marks.append((group.created_ms / 1000, int(found.group(2))))
    return marks


def settle(changes: list[Change]) -> None:
    """A change is synced by the first write of its version or a later one."""
    marks = {id(c.pair): written(c.pair) for c in changes}
    for change in changes:
        later = [when for when, version in marks[id(change.pair)] if version >= change.version]
        change.synced = min(later) if later else None


def all_written(pool: list[Pair], changes: list[Change]) -> bool:
    """Every edited pair's counterpart holds its last edit."""
    latest = {change.pair.number: change.version for change in changes}
    return all(
        pair.twin.fields.get("summary") == f"bench {pair.number} v{latest[pair.number]}"
        for pair in pool
        if pair.number in latest
    )


async def scenario(
    p: Pipeline, pool: list[Pair], versions: dict[int, int], plan: Plan, case: Scenario
) -> Outcome:
    set_latency(p, case.latency_ms / 1000)
    writes_before = p.sync_writes(1) + p.sync_writes(2)
    worker, harness, began = cpu_seconds(p.workers[0].pid), time.process_time(), time.time()
    changes = await offer(p, pool, versions, case.rate, plan.duration)
    with contextlib.suppress(AssertionError):  # what is not written shows as not synced
        await p.eventually(lambda: all_written(pool, changes), within=plan.drain)
    elapsed, worked = time.time() - began, cpu_seconds(p.workers[0].pid) - worker
    cpu = (
        round(worked / elapsed, 2),
        round((time.process_time() - harness) / elapsed, 2),
        round(worked * 1000 / len(changes), 2),
    )
    settle(changes)
    writes = p.sync_writes(1) + p.sync_writes(2) - writes_before
    set_latency(p, 0.0)
    await drained(p)
    return outcome(case, changes, writes, cpu)


def outcome(
    case: Scenario, changes: list[Change], writes: int, cpu: tuple[float, float, float]
) -> Outcome:
    done = [c for c in changes if c.synced is not None]
    latencies = [max(0.0, c.synced - c.at) for c in done if c.synced is not None]
    first, last_change = changes[0].at, changes[-1].at
    last_sync = max((c.synced for c in done if c.synced is not None), default=first)
    cuts = quantiles(latencies, missing=len(changes) - len(done))
    return Outcome(
        scenario=case,
        changes=len(changes),
        offered_per_s=round(len(changes) / max(last_change - first, 1e-9), 1),
        synced=len(done),
        not_synced=len(changes) - len(done),
        synced_per_s=round(len(done) / max(last_sync - first, 1e-9), 1),
        max_ms=round(max(latencies) * 1000, 1) if latencies else None,
        sync_writes=writes,
        worker_cpu=cpu[0],
        harness_cpu=cpu[1],
        worker_cpu_ms_per_change=cpu[2],
        **cuts,
    )


def render(outcomes: list[Outcome]) -> str:
    headers = [
        *("rate/s", "latency ms", "changes", "not synced", "synced/s"),
        *("p50 ms", "p95 ms", "p99 ms", "max ms", "writes", "CPU worker/rest", "worker ms/change"),
    ]
    rows = [
        (
            o.scenario.rate,
            o.scenario.latency_ms,
            o.changes,
            o.not_synced,
            o.synced_per_s,
            o.p50_ms,
            o.p95_ms,
            o.p99_ms,
            o.max_ms,
            o.sync_writes,
            f"{o.worker_cpu:.0%} / {o.harness_cpu:.0%}",
            o.worker_cpu_ms_per_change,
        )
        for o in outcomes
    ]
    return table(headers, rows)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--kafka", help="bootstrap servers; without it a local stack of its own")
    parser.add_argument(
        "--cases",
        nargs="+",
        default=list(CASES),
        help="rows as RATE@MS (changes/s at JIRA latency ms) [default: %(default)s]",
    )
    parser.add_argument("--rates", type=float, nargs="+", help="instead of --cases: each rate")
    parser.add_argument("--latencies", type=float, nargs="+", help="... at each latency (ms)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait after it")
    parser.add_argument("--pool", type=int, default=1000, help="synced pairs edited in turn")
    parser.add_argument("--concurrency", type=int, default=64, help="pairs at once per worker")
    parser.add_argument("--smoke", action="store_true", help="2 s at 20/s (0 ms), 10/s (20 ms)")
    parser.add_argument("--output", type=Path, help="JSON file [default: bench/results/]")
    return parser.parse_args(argv)


def plan_of(args: argparse.Namespace) -> Plan:
    if args.smoke:
        return Plan(2.0, 30.0, 20, (Scenario(20.0, 0.0), Scenario(10.0, 20.0)), args.concurrency)
    if args.rates or args.latencies:
        rates, latencies = args.rates or [200.0], args.latencies or [0.0]
        cases = tuple(Scenario(rate, ms) for ms in latencies for rate in rates)
    else:
        cases = tuple(case_of(text) for text in args.cases)
    return Plan(args.duration, args.drain, args.pool, cases, args.concurrency)


def case_of(text: str) -> Scenario:
    """``RATE@MS``: changes per second offered, at this JIRA latency in ms."""
    rate, _, latency = text.partition("@")
    return Scenario(float(rate), float(latency or 0))


async def measure(kafka: str, plan: Plan) -> list[Outcome]:
    env = {"SYNC_PAIR_CONCURRENCY": str(plan.concurrency)}
    async with bench_pipeline(kafka, "e2e", work_dir("e2e"), env=env) as p:
        pool = complete(await make_pool(p, plan.pool), plan.pool, p)
        versions = dict.fromkeys(range(len(pool)), 0)
        return [await scenario(p, pool, versions, plan, case) for case in plan.scenarios]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(argv)
    plan = plan_of(args)
    began = time.monotonic()
    with LoadSampler() as load, broker(args.kafka) as kafka:
        outcomes = run(measure(kafka, plan))
    report = {
        "run": {**run_facts(args.smoke, load, began), "kafka": kafka, "workers": 1},
        "plan": {k: v for k, v in asdict(plan).items() if k != "scenarios"},
        "scenarios": [asdict(o) for o in outcomes],
        "writer": SYNC_ACCOUNT,
    }
    path = write("e2e", report, args.output)
    print(
        f"end to end, one worker ({plan.concurrency} pairs at once), {plan.duration:g} s of load"
        f" per row, pool {plan.pool}"
    )
    print(render(outcomes))
    print(f"written to {path}")
    return report


if __name__ == "__main__":
    main()
