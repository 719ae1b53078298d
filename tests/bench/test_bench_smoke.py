"""Each benchmark's smoke mode runs through the real pipeline (ingress, Kafka, worker
processes, emulated sites), so the scripts cannot rot; the figures are not judged here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from bench.__main__ import targets
from bench.common import quantiles
from bench.markdown import render
from tests.infra import ROOT

SMOKED = ("e2e", "calls", "resync", "scale")  # ingress: tests/ingress/test_bench.py


@pytest.fixture(scope="module")
def summary(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``python -m bench all --smoke`` for the module: every benchmark briefly."""
    results = tmp_path_factory.mktemp("bench")
    output = results / "all.json"
    command = [sys.executable, "-m", "bench", "all", "--smoke", "--kafka", kafka_bootstrap]
    result = subprocess.run(
        [*command, "--only", *SMOKED, "--output", str(output)],
        cwd=ROOT,
        env={**os.environ, "BENCH_RESULTS": str(results)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "=== targets ===" in result.stdout
    report: dict[str, Any] = json.loads(output.read_text())
    assert report["run"]["smoke"] is True
    assert report["run"]["load_average_1m"]["max"] >= 0
    assert list(report["reports"]) == list(SMOKED)
    return report


@pytest.mark.integration
def test_e2e_smoke_syncs_every_change_and_reports_quantiles(summary: dict[str, Any]) -> None:
    rows = summary["reports"]["e2e"]["scenarios"]
    assert [row["scenario"]["latency_ms"] for row in rows] == [0, 20]
    for row in rows:
        assert row["changes"] > 0
        assert row["not_synced"] == 0
        assert 0 <= row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]


@pytest.mark.integration
def test_calls_smoke_counts_every_kind_against_its_minimum(summary: dict[str, Any]) -> None:
    kinds = summary["reports"]["calls"]["kinds"]
    assert [k["kind"] for k in kinds] == ["create", "edit", "status", "multi-field edit"]
    for kind in kinds:
        assert kind["calls"] >= kind["writes"] > 0
        assert kind["ratio"] == round(kind["calls"] / kind["changes"] / kind["minimum"], 2)


@pytest.mark.integration
def test_resync_smoke_converges_without_duplicates(summary: dict[str, Any]) -> None:
    outcome = summary["reports"]["resync"]["outcome"]
    assert outcome["converged"]
    assert (outcome["missing"], outcome["duplicates"]) == (0, 0)
    assert outcome["issues_after"] == {"1": 60, "2": 60}
    assert outcome["achieved_of_ceiling"] > 0


@pytest.mark.integration
def test_scale_smoke_measures_one_and_two_workers(summary: dict[str, Any]) -> None:
    report = summary["reports"]["scale"]
    assert [o["workers"] for o in report["outcomes"]] == [1, 2]
    for outcome in report["outcomes"]:
        assert outcome["written"] == outcome["changes"] > 0
    assert report["speedup_two_to_one"] > 0


@pytest.mark.integration
def test_markdown_renders_every_table_of_the_summary(summary: dict[str, Any]) -> None:
    text = render(summary)
    assert summary["run"]["commit"] in text
    for name in SMOKED:
        assert f"### {name}" in text
    for kind in ("create", "edit", "status", "multi-field edit"):
        assert f"| calls per {kind} |" in text


def test_quantiles_count_what_never_arrived_as_slower_than_everything() -> None:
    assert quantiles([0.1] * 99 + [0.2]) == {"p50_ms": 100.0, "p95_ms": 100.0, "p99_ms": 100.0}
    assert quantiles([0.1] * 98, missing=2) == {"p50_ms": 100.0, "p95_ms": 100.0, "p99_ms": None}
    assert quantiles([]) == {"p50_ms": None, "p95_ms": None, "p99_ms": None}


def test_targets_say_met_or_missed_for_each_goal() -> None:
    reports: dict[str, dict[str, Any]] = {
        "ingress": {"ratio_ingress_to_bare": {"webhooks_per_s": 0.6}},
        "e2e": {"scenarios": [{"scenario": {"rate": 200, "latency_ms": 0}, "p99_ms": None}]},
        "calls": {"kinds": [{"kind": "edit", "ratio": 1.0}]},
        "resync": {"outcome": {"achieved_of_ceiling": 0.95, "converged": False}},
        "scale": {"speedup_two_to_one": 1.5},
    }
    assert [(name, met) for name, _, _, met in targets(reports)] == [
        ("ingress webhooks/s vs bare handler", True),
        ("e2e p99 at 200 changes/s, 0 ms JIRA", False),
        ("calls per edit", True),
        ("resync rate vs rate-limit ceiling", False),
        ("two workers vs one (JIRA latency)", False),
    ]
