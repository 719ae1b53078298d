"""The dependency direction of DESIGN.md: edges import from `streams`, never each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The tests, the benchmarks and the harness they share: no shipped process imports them.
TOOLING = {"harness", "bench", "tests"}
FORBIDDEN = {
    "streams": {"ingress", "projections", "sandbox", "jira_sync"} | TOOLING,
    "ingress": {"projections", "sandbox", "jira_sync"} | TOOLING,
    "projections": {"ingress", "sandbox", "jira_sync"} | TOOLING,
    "sandbox": {"ingress", "projections", "jira_sync"} | TOOLING,
    "stack": {"streams", "ingress", "projections", "sandbox", "jira_sync"} | TOOLING,
    "jira_sync": TOOLING,
    # The pipeline harness runs the worker as a process (``python -m jira_sync``), never
    # imports it; the benchmarks use the harness, never the tests.
    "harness": {"jira_sync", "bench", "tests"},
    "bench": {"tests"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_dependency_direction(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_console_script_lists_its_commands() -> None:
    from click.testing import CliRunner

    from jira_sync.cli import main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "stack" in result.output
    assert "config" in result.output


def test_kraft_cluster_ids_never_look_like_options() -> None:
    from stack.services import _cluster_id

    ids = [_cluster_id() for _ in range(2000)]
    assert not any(cluster_id.startswith("-") for cluster_id in ids)
    assert all(len(cluster_id) == 22 for cluster_id in ids)
