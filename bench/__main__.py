"""Every benchmark in one run, against one broker, and the issue's targets as met or missed.

    .venv/bin/python -m bench all                   # a local stack of its own; ~20 minutes
    .venv/bin/python -m bench all --smoke           # each one briefly (the test suite's run)
    .venv/bin/python -m bench all --kafka 127.0.0.1:9092 --resync-issues 2000
    .venv/bin/python -m bench e2e --rates 50        # one benchmark, its own options
    .venv/bin/python -m bench markdown bench/results/all-<time>.json   # RESULTS.md tables

Each benchmark prints its table and writes its JSON under ``bench/results/``; ``all`` adds
the targets table and ``bench/results/all-<time>.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import calls, e2e, ingress, markdown, resync, scale
from bench.common import LoadSampler, broker, run_facts, table, write_report

BENCHMARKS: dict[str, Callable[[list[str] | None], dict[str, Any]]] = {
    "ingress": ingress.main,
    "e2e": e2e.main,
    "calls": calls.main,
    "resync": resync.main,
    "scale": scale.main,
}


def targets(reports: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, bool]]:
    """(target, measured, wanted, met) for each of the issue's goals found in ``reports``."""
    found: list[tuple[str, str, str, bool]] = []
    if "ingress" in reports:
        share = reports["ingress"]["ratio_ingress_to_bare"]["webhooks_per_s"]
        found.append(("ingress webhooks/s vs bare handler", f"{share:.0%}", ">= 50%", share >= 0.5))
        if "open_loop" in reports["ingress"]:
            p99 = reports["ingress"]["open_loop"]["ingress"]["p99_ms"]
            rate = reports["ingress"]["run"]["rate"]
            found.append(
                (f"ingress p99 ack at {rate:g}/s open loop", f"{p99:.1f} ms", "< 20 ms", p99 < 20)
            )
    if "e2e" in reports:
        for row in reports["e2e"]["scenarios"]:
            case = row["scenario"]
            if case["rate"] == 200 and case["latency_ms"] == 0:
                p99 = row["p99_ms"]
                shown = f"{p99:.0f} ms" if p99 is not None else "not all synced"
                met = p99 is not None and p99 < 1000
                found.append(("e2e p99 at 200 changes/s, 0 ms JIRA", shown, "< 1 s", met))
    if "calls" in reports:
        for kind in reports["calls"]["kinds"]:
            ratio = kind["ratio"]
            found.append((f"calls per {kind['kind']}", f"{ratio:.2f}x", "<= 1.1x", ratio <= 1.1))
    if "resync" in reports:
        outcome = reports["resync"]["outcome"]
        share = outcome["achieved_of_ceiling"]
        met = share >= 0.9 and outcome["converged"]
        found.append(("resync rate vs rate-limit ceiling", f"{share:.0%}", ">= 90%", met))
    if "scale" in reports:
        ratio = reports["scale"]["speedup_two_to_one"]
        shown = f"{ratio:.2f}x" if ratio is not None else "stalled"
        met = ratio is not None and ratio >= 1.6
        found.append(("two workers vs one (JIRA latency)", shown, ">= 1.6x", met))
    return found


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench all", description=__doc__.split("\n")[0])
    parser.add_argument("--kafka", help="bootstrap servers; without it a local stack of its own")
    parser.add_argument("--smoke", action="store_true", help="each benchmark briefly")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument("--resync-issues", type=int, default=10_000, help="issues per site")
    parser.add_argument("--output", type=Path, help="summary JSON [default: bench/results/]")
    return parser.parse_args(argv)


def run_all(argv: list[str]) -> dict[str, Any]:
    args = options(argv)
    began = time.monotonic()
    reports: dict[str, dict[str, Any]] = {}
    with LoadSampler() as load, broker(args.kafka) as kafka:
        for name in args.only:
            extra = ["--smoke"] if args.smoke else []
            if name == "resync" and not args.smoke:
                extra += ["--issues", str(args.resync_issues)]
            print(f"\n=== {name} ===", flush=True)
            reports[name] = BENCHMARKS[name](["--kafka", kafka, *extra])
    goals = targets(reports)
    facts = {**run_facts(args.smoke, load, began), "kafka": kafka}
    summary = {
        "run": facts,
        "targets": [{"target": t, "measured": m, "wanted": w, "met": ok} for t, m, w, ok in goals],
        "reports": reports,
    }
    path = write_report("all", summary, args.output)
    print("\n=== targets ===")
    print(
        table(
            ("target", "measured", "wanted", "met"),
            [(t, m, w, "met" if ok else "MISSED") for t, m, w, ok in goals],
        )
    )
    print(f"load average (1 min) during the run: {facts['load_average_1m']}; written to {path}")
    return summary


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        print(f"benchmarks: all, {', '.join(BENCHMARKS)}")
        return
    name, rest = argv[0], argv[1:]
    if name == "all":
        run_all(rest)
    elif name == "markdown":
        markdown.main(rest)
    elif name in BENCHMARKS:
        BENCHMARKS[name](rest)
    else:
        raise SystemExit(f"bench: no benchmark {name!r}; one of: all, {', '.join(BENCHMARKS)}")


if __name__ == "__main__":
    main(sys.argv[1:])
