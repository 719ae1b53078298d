"""JIRA calls per synced change, next to the fewest calls that change needs.

The real pipeline (``bench.pipes``). Humans make ``--changes`` changes of one kind over REST
(half on each site, each on its own pair), the sites are left to go quiet (echoes
included), and every REST call the sync account made meanwhile on either site is counted,
429s included. One kind after the other, so each count holds only its own kind's calls.

The minimum is what a sync must send given the webhook (which carries the whole issue):
    create              3: the create with the link marker in it, a remote link on each side
    edit (one field)    1: one PUT
    status              1: one transition POST (a direct transition, its id known)
    edit (four fields)  1: one PUT carrying all four
Reads are never the minimum: the webhook already says what changed.

    .venv/bin/python -m bench.calls --kafka 127.0.0.1:9092
    .venv/bin/python -m bench.calls --smoke
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import LoadSampler, broker, run, run_facts, table, work_dir
from bench.common import write_report as write
from bench.pipes import bench_pipeline, counterparts, sync_calls
from harness.pipeline import Pipeline, fields_of
from sandbox.model import Issue
from streams.jira.adf import text_to_adf

MINIMUM = {"create": 3, "edit": 1, "status": 1, "multi-field edit": 1}


@dataclass(frozen=True)
class Tally:
    kind: str
    changes: int
    calls: int
    reads: int
    writes: int
    refused: int  # 429 and other answers >= 400
    minimum: int
    calls_per_change: float
    ratio: float
    by_call: dict[str, int]


@dataclass(frozen=True)
class Pair:
    site: int
    issue: Issue
    twin: Issue


def kind_of(method: str, path: str) -> str:
    """``GET issue``, ``POST remotelink``...: the call without the issue key."""
    parts = path.removeprefix("/rest/api/3/").split("/")
    if parts[0] == "issue" and len(parts) > 1:
        parts = ["issue", *parts[2:]] if len(parts) > 2 else ["issue"]
    return f"{method} {'/'.join(parts)}"


async def counted(
    p: Pipeline, kind: str, changes: int, act: Callable[[], Awaitable[Any]], still: float
) -> Tally:
    """``act``'s changes, then ``still`` seconds without a call on either site."""
    since = time.time()
    await act()
    await p.quiet(still=still, within=120.0)
    calls = [c for site_calls in sync_calls(p, since).values() for c in site_calls]
    reads = sum(1 for c in calls if c.status < 400 and not c.write)
    writes = sum(1 for c in calls if c.write)
    minimum = MINIMUM[kind]
    return Tally(
        kind=kind,
        changes=changes,
        calls=len(calls),
        reads=reads,
        writes=writes,
        refused=sum(1 for c in calls if c.status >= 400),
        minimum=minimum,
        calls_per_change=round(len(calls) / changes, 2),
        ratio=round(len(calls) / changes / minimum, 2),
        by_call=dict(Counter(kind_of(c.method, c.path) for c in calls).most_common()),
    )


async def creates(p: Pipeline, count: int) -> list[Pair]:
    """``count`` issues made over REST, half on each site; back once each has its twin."""
    made = []
    for n in range(count):
        site = 1 + n % 2
        key = await p.create(site, f"calls {n}")
        made.append((site, p.issues(site)[key]))

    def twins() -> dict[tuple[int, str], Issue]:
        there = {site: counterparts(p, 2 if site == 1 else 1) for site in (1, 2)}
        return {(site, i.id): there[site][i.id] for site, i in made if i.id in there[site]}

    await p.eventually(lambda: len(twins()) == count, within=120.0)
    found = twins()
    return [Pair(site, issue, found[site, issue.id]) for site, issue in made]


async def edits(p: Pipeline, pairs: list[Pair], fields: Callable[[int], dict[str, Any]]) -> None:
    for n, pair in enumerate(pairs):
        await p.edit(pair.site, pair.issue.key, **fields(n))
    await p.eventually(lambda: all(fields_of(q.issue) == fields_of(q.twin) for q in pairs), 120.0)


async def transitions(p: Pipeline, pairs: list[Pair]) -> None:
    for pair in pairs:
        await p.transition(pair.site, pair.issue.key, "In Progress")
    await p.eventually(
        lambda: all(q.twin.fields["status"]["name"] == "In Progress" for q in pairs), 120.0
    )


def four_fields(n: int) -> dict[str, Any]:
    return {
        "summary": f"calls {n}, four fields",
        "description": text_to_adf(f"Changed in one edit ({n})."),
        "priority": {"name": "High"},
        "labels": ["bench", f"n{n}"],
    }


def one_field(n: int) -> dict[str, Any]:
    return {"summary": f"calls {n}, edited"}


async def measure(kafka: str, count: int, still: float, trust: bool = True) -> list[Tally]:
    env = {"SYNC_TRUST_AGREED_VALUES": "true" if trust else "false"}
    async with bench_pipeline(kafka, "calls", work_dir("calls"), env=env) as p:
        await creates(p, 2)  # warm-up, not counted: the worker's first calls (myself)
        await p.quiet(still=still)
        pairs: list[Pair] = []

        async def create_all() -> None:
            pairs.extend(await creates(p, count))

        steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("create", create_all),
            ("edit", lambda: edits(p, pairs, one_field)),
            ("status", lambda: transitions(p, pairs)),
            ("multi-field edit", lambda: edits(p, pairs, four_fields)),
        ]
        return [await counted(p, kind, count, act, still) for kind, act in steps]


def render(tallies: list[Tally]) -> str:
    headers = [
        *("change", "changes", "calls", "reads", "writes", "refused", "per change"),
        *("minimum", "ratio"),
    ]
    rows = [
        [
            t.kind,
            t.changes,
            t.calls,
            t.reads,
            t.writes,
            t.refused,
            t.calls_per_change,
            t.minimum,
            f"{t.ratio:.2f}x",
        ]
        for t in tallies
    ]
    return table(headers, rows)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.calls", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kafka", help="bootstrap servers; without it a local stack of its own")
    parser.add_argument("--changes", type=int, default=20, help="changes of each kind")
    parser.add_argument("--smoke", action="store_true", help="2 changes of each kind")
    parser.add_argument("--output", type=Path, help="JSON file [default: bench/results/]")
    parser.add_argument(
        "--read-first",
        action="store_true",
        help="with SYNC_TRUST_AGREED_VALUES=false (the other side read before each write)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(argv)
    count = 2 if args.smoke else args.changes
    began = time.monotonic()
    with LoadSampler() as load, broker(args.kafka) as kafka:
        tallies = run(measure(kafka, count, 2.0 if args.smoke else 3.0, not args.read_first))
    report = {
        "run": {**run_facts(args.smoke, load, began), "kafka": kafka, "workers": 1},
        "trust_agreed_values": not args.read_first,
        "kinds": [asdict(t) for t in tallies],
        "minimum": MINIMUM,
    }
    path = write("calls", report, args.output)
    print(f"JIRA calls of the sync account per change, {count} changes of each kind")
    print(render(tallies))
    for tally in tallies:
        print(f"  {tally.kind}: " + ", ".join(f"{k} {v}" for k, v in tally.by_call.items()))
    print(f"written to {path}")
    return report


if __name__ == "__main__":
    main()
