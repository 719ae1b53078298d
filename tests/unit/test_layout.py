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


# Inside jira_sync/: each group may import the top (``config_cmd``: every command's settings)
# and these groups only. The process roots of run/ import no other group; an operator
# command or the doctor may take a composition root's wiring (the worker's ``sync_config``).
JIRA_SYNC_GROUPS = {"run": set(), "up": set(), "ops": {"run"}, "doctor": {"run"}}


def jira_sync_modules(path: Path) -> set[str]:
    """The modules of jira_sync ``path`` imports, as ``group`` or top-level module name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "jira_sync":
                names |= {f"jira_sync.{alias.name}" for alias in node.names}
    return {name.split(".")[1] for name in names if name.startswith("jira_sync.")}


@pytest.mark.parametrize("group", sorted(JIRA_SYNC_GROUPS))
def test_jira_sync_groups_import_only_what_they_may(group: str) -> None:
    allowed = {group, "config_cmd"} | JIRA_SYNC_GROUPS[group]
    offenders = {
        str(path.relative_to(ROOT)): sorted(jira_sync_modules(path) - allowed)
        for path in (ROOT / "jira_sync" / group).rglob("*.py")
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_jira_sync_has_a_group_for_every_module() -> None:
    """At its top only the console script and the settings every command loads."""
    top = {path.name for path in (ROOT / "jira_sync").glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "cli.py", "config_cmd.py"}
    folders = {path.name for path in (ROOT / "jira_sync").iterdir() if path.is_dir()}
    assert folders - {"__pycache__"} == set(JIRA_SYNC_GROUPS)


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
