"""The tables of ``bench/RESULTS.md``, rendered from one ``python -m bench all`` summary, so
no figure is copied by hand.

    .venv/bin/python -m bench markdown bench/results/all-20260101T000000Z.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import shown


def grid(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(shown(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def ingress(report: dict[str, Any]) -> str:
    figures = ("webhooks_per_s", "p50_ms", "p99_ms", "requests", "errors", "cpu_ms_per_webhook")
    rows = [[name, *(t.get(f, "") for f in figures)] for name, t in report["targets"].items()]
    ratio = report["ratio_ingress_to_bare"]
    rows.append(["ingress / bare", *(f"{ratio[k]:.2f}x" for k in ratio), "", "", ""])
    run = report["run"]
    head = f"{run['concurrency']} clients, {run['duration']:g} s per server, {run['publisher']}"
    headers = ["server", "webhooks/s", "p50 ms", "p99 ms", "requests", "errors", "cpu ms/webhook"]
    text = head + "\n\n" + grid(headers, rows)
    if "open_loop" in report:
        rows = [
            [name, t["p50_ms"], t["p99_ms"], t["requests"], t["errors"], t["cpu_ms_per_webhook"]]
            for name, t in report["open_loop"].items()
        ]
        opened = f"Open loop, {run['rate']:g} webhooks/s, ack latency from the scheduled send"
        headers = ["server", "p50 ms", "p99 ms", "requests", "errors", "cpu ms/webhook"]
        text += f"\n\n{opened}\n\n" + grid(headers, rows)
    return text


def e2e(report: dict[str, Any]) -> str:
    rows = [
        [
            f"{o['scenario']['rate']:g}",
            f"{o['scenario']['latency_ms']:g}",
            o["changes"],
            o["not_synced"],
            o["synced_per_s"],
            ms(o["p50_ms"]),
            ms(o["p95_ms"]),
            ms(o["p99_ms"]),
            ms(o["max_ms"]),
            o["sync_writes"],
            f"{o['worker_cpu']:.0%} / {o['harness_cpu']:.0%}",
        ]
        for o in report["scenarios"]
    ]
    plan = report["plan"]
    head = (
        f"{plan['duration']:g} s of load per row, {plan['pool']} pairs, drain {plan['drain']:g} s"
    )
    headers = ["changes/s", "JIRA ms", "changes", "not synced", "synced/s", "p50 ms"]
    headers += ["p95 ms", "p99 ms", "max ms", "writes", "CPU worker / rest"]
    return head + "\n\n" + grid(headers, rows)


def calls(report: dict[str, Any]) -> str:
    rows = [
        [
            k["kind"],
            k["changes"],
            k["calls_per_change"],
            k["minimum"],
            f"{k['ratio']:.2f}x",
            ", ".join(f"{name} {n}" for name, n in k["by_call"].items()),
        ]
        for k in report["kinds"]
    ]
    headers = ["change", "changes", "calls per change", "minimum", "ratio", "calls (all changes)"]
    return grid(headers, rows)


def resync(report: dict[str, Any]) -> str:
    o = report["outcome"]
    summary = grid(
        [
            "issues per site",
            "wall s",
            "active s",
            "ceiling s",
            "achieved",
            "calls",
            "calls/s",
            "429s",
            "missing",
            "duplicates",
        ],
        [
            [
                o["issues_per_site"],
                o["wall_seconds"],
                o["active_seconds"],
                o["ceiling_seconds"],
                f"{o['achieved_of_ceiling']:.0%}",
                o["calls"],
                o["calls_per_s"],
                o["refused_429"],
                o["missing"],
                o["duplicates"],
            ]
        ],
    )
    sites = grid(
        ["site", "calls", "calls/s", "ceiling s", "binding bucket", "worker's own pacing s"],
        [
            [
                s["site"],
                s["calls"],
                s["calls_per_s"],
                s["ceiling_seconds"],
                s["binding_bucket"],
                s["client_seconds"],
            ]
            for s in o["sites"]
        ],
    )
    buckets = "; ".join(f"{k} {v}" for k, v in o["sites"][0]["by_bucket"].items())
    return f"{summary}\n\n{sites}\n\nSite 1's calls by bucket: {buckets}."


def scale(report: dict[str, Any]) -> str:
    rows = [
        [
            o["workers"],
            o["pool_lost"],
            o["changes"],
            o["written"],
            o["seconds"],
            o["changes_per_s"],
            " / ".join(map(str, o["steps_per_worker"])),
            " / ".join(f"{c:.0%}" for c in o["cpu_per_worker"]),
        ]
        for o in report["outcomes"]
    ]
    headers = ["workers", "set-up lost", "changes", "written", "seconds", "changes/s"]
    headers += ["pair steps per worker", "CPU per worker"]
    head = (
        f"{report['latency_ms']:g} ms per JIRA answer; two / one = {report['speedup_two_to_one']}x"
    )
    return head + "\n\n" + grid(headers, rows)


SECTIONS = {"ingress": ingress, "e2e": e2e, "calls": calls, "resync": resync, "scale": scale}


def render(summary: dict[str, Any]) -> str:
    run = summary["run"]
    parts = [
        f"Run {run['at']}, commit {run['commit']}, {run['seconds'] / 60:.0f} min, "
        f"load average (1 min) min/mean/max {run['load_average_1m']['min']} / "
        f"{run['load_average_1m']['mean']} / {run['load_average_1m']['max']}, "
        f"{run['cpus']} CPUs, Python {run['python']}.",
        grid(
            ["target", "measured", "wanted", "met"],
            [
                [t["target"], t["measured"], t["wanted"], "met" if t["met"] else "**missed**"]
                for t in summary["targets"]
            ],
        ),
    ]
    for name, report in summary["reports"].items():
        load = report["run"]["load_average_1m"]
        during = f"load average {load['min']} / {load['mean']} / {load['max']} (min/mean/max)"
        parts.append(
            f"### {name}\n\nEnded {report['run']['at']}, {during}.\n\n{SECTIONS[name](report)}"
        )
    return "\n\n".join(parts)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m bench markdown bench/results/all-<time>.json")
    print(render(json.loads(Path(argv[0]).read_text())))


if __name__ == "__main__":
    main(sys.argv[1:])
