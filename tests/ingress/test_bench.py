"""The benchmark's smoke mode runs end to end, so the script cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra import ROOT

pytestmark = pytest.mark.integration


def test_smoke_mode_measures_both_servers_and_writes_json(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    output = tmp_path / "bench.json"
    command = [
        "-m",
        "bench.ingress",
        "--smoke",
        "--kafka",
        kafka_bootstrap,
        "--output",
        str(output),
    ]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ingress/bare" in result.stdout
    report = json.loads(output.read_text())
    assert report["run"]["publisher"] == f"kafka {kafka_bootstrap}"
    for target in ("bare", "ingress"):
        figures = report["targets"][target]
        assert figures["requests"] > 0
        assert figures["errors"] == 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert set(report["ratio_ingress_to_bare"]) == {"webhooks_per_s", "p50_ms", "p99_ms"}
