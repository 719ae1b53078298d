"""Scale-out: the throughput of one worker against two when JIRA's latency dominates.

The real pipeline (``bench.pipes``), ``--latency`` ms on every JIRA answer. For one worker,
then (a fresh pipeline) two workers in one consumer group over 8 partitions: a pool of
synced pairs, then one summary edit on each of ``--changes`` pairs at once (a backlog), timed
from the first edit to the last of the sync's writes carrying them. Throughput = changes /
that time; speed-up = two workers' throughput / one's. Each worker's share of the pair steps
(the edits and their echoes, counted once the sites are quiet) is read from its log, its CPU
over the burst from ``/proc``: low CPU with a full backlog means the worker waits on JIRA,
as intended here.

Two workers in one group have a known rare stall after a rebalance (README, "Known
problem"); a run where the changes are not all written within ``--within`` seconds says so
and shows the group's uncommitted partitions.

    .venv/bin/python -m bench.scale --kafka 127.0.0.1:9092
    .venv/bin/python -m bench.scale --smoke
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import LoadSampler, broker, run, run_facts, table, work_dir
from bench.common import write_report as write
from bench.pipes import (
    Pair,
    bench_pipeline,
    cpu_seconds,
    edit_inside,
    make_pool,
    set_latency,
)
from harness.pipeline import Pipeline

STEP = "writes)"  # the end of every pair step's log line: "pair ...: ... (N writes)"


@dataclass(frozen=True)
class Outcome:
    workers: int
    pool_lost: int  # set-up creates that never got a counterpart (see bench.pipes.settled)
    changes: int
    written: int
    stalled: bool
    seconds: float | None
    changes_per_s: float | None
    steps_per_worker: list[int]
    cpu_per_worker: list[float]  # share of one core over the burst
    uncommitted: dict[str, str]


def log_sizes(p: Pipeline) -> list[int]:
    return [(p.tmp / f"worker-{n}.log").stat().st_size for n in range(len(p.workers))]


def steps_since(p: Pipeline, offsets: list[int]) -> list[int]:
    steps = []
    for n, offset in enumerate(offsets):
        with (p.tmp / f"worker-{n}.log").open("rb") as log:
            log.seek(offset)
            steps.append(sum(1 for line in log if line.rstrip().endswith(STEP.encode())))
    return steps


def carried(pairs: list[Pair]) -> int:
    return sum(1 for q in pairs if q.twin.fields.get("summary") == f"bench {q.number} v1")


async def burst(p: Pipeline, size: int, latency_ms: float, within: float) -> Outcome:
    pool = await make_pool(p, size, within=within)
    changes = len(pool)
    set_latency(p, latency_ms / 1000)
    offsets, cpu = log_sizes(p), [cpu_seconds(w.pid) for w in p.workers]
    began = time.time()
    for pair in pool:
        edit_inside(p, pair.site, pair.issue, {"summary": f"bench {pair.number} v1"})
    stalled = False
    try:
        await p.eventually(lambda: carried(pool) == changes, within=within)
    except AssertionError:
        stalled = True
    last = max((g.created_ms / 1000 for q in pool for g in q.twin.changelog), default=began)
    seconds = None if stalled else last - began
    spent = [cpu_seconds(w.pid) - before for w, before in zip(p.workers, cpu, strict=True)]
    elapsed = time.time() - began
    if not stalled:
        await p.quiet(still=2.0)  # the echoes of the writes are pair steps too
    return Outcome(
        workers=len(p.workers),
        pool_lost=size - changes,
        changes=changes,
        written=carried(pool),
        stalled=stalled,
        seconds=round(seconds, 2) if seconds is not None else None,
        changes_per_s=round(changes / seconds, 2) if seconds else None,
        steps_per_worker=steps_since(p, offsets),
        cpu_per_worker=[round(s / elapsed, 2) for s in spent],
        uncommitted=await p.lag() if stalled else {},
    )


async def measure(kafka: str, changes: int, latency_ms: float, within: float) -> list[Outcome]:
    work = work_dir("scale")
    outcomes = []
    for workers in (1, 2):
        async with bench_pipeline(kafka, "scale", work, workers=workers) as p:
            outcomes.append(await burst(p, changes, latency_ms, within))
    return outcomes


def speedup(outcomes: list[Outcome]) -> float | None:
    one, two = outcomes[0].changes_per_s, outcomes[1].changes_per_s
    return round(two / one, 2) if one and two else None


def render(outcomes: list[Outcome]) -> str:
    headers = [
        *("workers", "set-up lost", "changes", "written", "seconds", "changes/s"),
        *("steps per worker", "CPU per worker"),
    ]
    rows = [
        [
            o.workers,
            o.pool_lost,
            o.changes,
            o.written,
            o.seconds,
            o.changes_per_s,
            " / ".join(map(str, o.steps_per_worker)),
            " / ".join(f"{c:.0%}" for c in o.cpu_per_worker),
        ]
        for o in outcomes
    ]
    stalls = [
        f"{o.workers} workers: stalled, uncommitted {o.uncommitted}" for o in outcomes if o.stalled
    ]
    ratio = speedup(outcomes)
    lines = [table(headers, rows), f"two workers / one: {ratio}x" if ratio else "two / one: -"]
    return "\n".join(lines + stalls)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kafka", help="bootstrap servers; without it a local stack of its own")
    parser.add_argument("--changes", type=int, default=120, help="edits in the backlog")
    parser.add_argument("--latency", type=float, default=100.0, help="ms per JIRA answer")
    parser.add_argument("--within", type=float, default=180.0, help="seconds before a stall")
    parser.add_argument("--smoke", action="store_true", help="8 changes, 20 ms")
    parser.add_argument("--output", type=Path, help="JSON file [default: bench/results/]")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(argv)
    changes, latency = (8, 20.0) if args.smoke else (args.changes, args.latency)
    began = time.monotonic()
    with LoadSampler() as load, broker(args.kafka) as kafka:
        outcomes = run(measure(kafka, changes, latency, 60.0 if args.smoke else args.within))
    report = {
        "run": {**run_facts(args.smoke, load, began), "kafka": kafka},
        "latency_ms": latency,
        "outcomes": [asdict(o) for o in outcomes],
        "speedup_two_to_one": speedup(outcomes),
    }
    path = write("scale", report, args.output)
    print(f"one worker against two, {changes} edits at once, {latency:g} ms per JIRA answer")
    print(render(outcomes))
    print(f"written to {path}")
    return report


if __name__ == "__main__":
    main()
