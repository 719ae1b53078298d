"""Full resync under JIRA Cloud's burst limits: wall time, request rate against the ceiling,
429 answers, duplicates.

The real pipeline (``bench.pipes``), both emulated sites enforcing JIRA Cloud's limits
(``sandbox.config.RateLimits`` defaults: a token bucket per endpoint and method, GET and
POST 100/s, PUT and DELETE 50/s; 20 writes per issue per 2 s). Each site starts with
``--issues`` issues that no webhook announced and no pair knows (an initial sync); one
``{"full_resync": true}`` command then has the worker read both projects and create every
missing counterpart. Measured until every issue has its counterpart and the sites are quiet.

The ceiling is the time JIRA's limits need for the calls the sync made: per site, the
slowest bucket (calls to that endpoint and method / its rate; buckets drain in parallel);
the run's ceiling time is the larger of the two sites. Achieved = ceiling time / the
time from the sync's first call to its last (1.0 = as fast as JIRA allows).

    .venv/bin/python -m bench.resync --kafka 127.0.0.1:9092 --issues 10000
    .venv/bin/python -m bench.resync --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import LoadSampler, broker, heap_frozen, run, run_facts, table, work_dir
from bench.common import write_report as write
from bench.pipes import bench_pipeline, counterparts, sync_calls
from harness.pipeline import Pipeline
from sandbox.config import RateLimits
from sandbox.http import Call
from streams.jira.ratelimit import JIRA_CLOUD_BURST, SHARE

ISSUE_PATH = re.compile(r"^/rest/api/3/issue/(?!createmeta|bulk|picker)[^/]+")


@dataclass(frozen=True)
class Site:
    site: int
    calls: int
    refused_429: int
    calls_per_s: float
    ceiling_seconds: float  # JIRA's buckets, per endpoint and method
    binding_bucket: str
    client_seconds: float  # the worker's own pacing, per method
    by_bucket: dict[str, int]


@dataclass(frozen=True)
class Outcome:
    issues_per_site: int
    wall_seconds: float  # command sent -> every counterpart there and the sites quiet
    active_seconds: float  # the sync's first call -> its last
    converged: bool
    calls: int
    refused_429: int
    calls_per_s: float
    ceiling_seconds: float
    achieved_of_ceiling: float
    client_ceiling_seconds: float
    missing: int  # issues without a counterpart at the end
    duplicates: int  # counterparts beyond the first of an issue
    issues_after: dict[int, int]
    sites: list[Site]


def endpoint_of(path: str) -> str:
    return ISSUE_PATH.sub("/rest/api/3/issue/{issueIdOrKey}", path)


def limit_of(limits: RateLimits, method: str) -> float:
    per_method = {"POST": limits.post_per_second, "PUT": limits.put_per_second}
    per_method["DELETE"] = limits.delete_per_second
    return per_method.get(method, limits.get_per_second)


def site_figures(site: int, calls: list[Call], limits: RateLimits, active: float) -> Site:
    buckets = Counter((c.method, endpoint_of(c.path)) for c in calls)
    times = {f"{m} {e}": n / limit_of(limits, m) for (m, e), n in buckets.items()}
    binding = max(times, key=lambda name: times[name], default="-")
    # the worker paces itself at SHARE of each endpoint's and method's limit
    client = [n / (JIRA_CLOUD_BURST.get(m, 100.0) * SHARE) for (m, _), n in buckets.items()]
    return Site(
        site=site,
        calls=len(calls),
        refused_429=sum(1 for c in calls if c.status == 429),
        calls_per_s=round(len(calls) / max(active, 1e-9), 1),
        ceiling_seconds=round(times.get(binding, 0.0), 1),
        binding_bucket=binding,
        client_seconds=round(max(client, default=0.0), 1),
        by_bucket={f"{m} {e}": n for (m, e), n in buckets.most_common()},
    )


def tally(p: Pipeline, seeded: dict[int, set[str]]) -> tuple[int, int]:
    """(issues without a counterpart, counterparts beyond the first of an issue)."""
    missing = duplicates = 0
    for site, ids in seeded.items():
        copies = Counter(
            str((i.properties.get("jira-sync.link") or {}).get("id"))
            for i in p.issues(2 if site == 1 else 1).values()
            if (i.properties.get("jira-sync.link") or {}).get("site") == site
        )
        missing += sum(1 for issue_id in ids if copies[issue_id] == 0)
        duplicates += sum(n - 1 for n in copies.values() if n > 1)
    return missing, duplicates


async def until_linked(p: Pipeline, seeded: dict[int, set[str]], within: float) -> bool:
    deadline = time.monotonic() + within
    shown, total = 0.0, sum(len(ids) for ids in seeded.values())
    while time.monotonic() < deadline:
        if not p.alive():
            raise SystemExit(f"bench: the worker died; its log is in {p.tmp}")
        done = sum(
            len(counterparts(p, 2 if s == 1 else 1).keys() & ids) for s, ids in seeded.items()
        )
        if done == total:
            return True
        if time.monotonic() - shown > 30:
            print(f"  resync: {done} of {total} issues have a counterpart", flush=True)
            shown = time.monotonic()
        await asyncio.sleep(1.0)
    return False


async def measure(kafka: str, count: int, within: float) -> Outcome:
    limits = RateLimits()
    options = {site: {"rate_limits": limits} for site in (1, 2)}
    pipe = bench_pipeline(kafka, "resync", work_dir("resync"), site_options=options)
    async with heap_frozen(), pipe as p:
        seeded = {
            n: {p.issues(n)[k].id for k in s.emulator.seed_issues(count)}
            for n, s in p.sites.items()
        }
        began = time.time()
        await p.send_command({"full_resync": True})
        converged = await until_linked(p, seeded, within)
        await p.quiet(still=5.0, within=within)
        wall = time.time() - began
        calls = sync_calls(p, began)
        every = [c for site_calls in calls.values() for c in site_calls]
        first = min((c.at for c in every), default=began)
        active = max((c.at for c in every), default=began) - first
        sites = [site_figures(n, calls[n], limits, active) for n in (1, 2)]
        missing, duplicates = tally(p, seeded)
        ceiling = max(s.ceiling_seconds for s in sites)
        return Outcome(
            issues_per_site=count,
            wall_seconds=round(wall, 1),
            active_seconds=round(active, 1),
            converged=converged,
            calls=len(every),
            refused_429=sum(s.refused_429 for s in sites),
            calls_per_s=round(len(every) / max(active, 1e-9), 1),
            ceiling_seconds=ceiling,
            achieved_of_ceiling=round(ceiling / max(active, 1e-9), 3),
            client_ceiling_seconds=max(s.client_seconds for s in sites),
            missing=missing,
            duplicates=duplicates,
            issues_after={n: len(p.issues(n)) for n in (1, 2)},
            sites=sites,
        )


def render(o: Outcome) -> str:
    headers = ("site", "calls", "429s", "calls/s", "ceiling s", "binding bucket", "client s")
    rows: list[list[object]] = [
        [
            s.site,
            s.calls,
            s.refused_429,
            s.calls_per_s,
            s.ceiling_seconds,
            s.binding_bucket,
            s.client_seconds,
        ]
        for s in o.sites
    ]
    rows.append(["both", o.calls, o.refused_429, o.calls_per_s, o.ceiling_seconds, "", ""])
    summary = table(
        ("issues/site", "wall s", "active s", "ceiling s", "achieved", "missing", "duplicates"),
        [
            (
                o.issues_per_site,
                o.wall_seconds,
                o.active_seconds,
                o.ceiling_seconds,
                f"{o.achieved_of_ceiling:.0%}",
                o.missing,
                o.duplicates,
            )
        ],
    )
    return summary + "\n\n" + table(headers, rows)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.resync", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kafka", help="bootstrap servers; without it a local stack of its own")
    parser.add_argument("--issues", type=int, default=10_000, help="issues on each site")
    parser.add_argument("--within", type=float, default=3600.0, help="give up after (s)")
    parser.add_argument("--smoke", action="store_true", help="30 issues per site")
    parser.add_argument("--output", type=Path, help="JSON file [default: bench/results/]")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(argv)
    count = 30 if args.smoke else args.issues
    began = time.monotonic()
    with LoadSampler() as load, broker(args.kafka) as kafka:
        outcome = run(measure(kafka, count, 120.0 if args.smoke else args.within))
    report = {
        "run": {**run_facts(args.smoke, load, began), "kafka": kafka, "workers": 1},
        "limits": RateLimits().model_dump(),
        "outcome": asdict(outcome),
    }
    path = write("resync", report, args.output)
    print(f"full resync of {count} issues per site, JIRA Cloud's burst limits on both sites")
    print(render(outcome))
    print(f"written to {path}")
    return report


if __name__ == "__main__":
    main()
