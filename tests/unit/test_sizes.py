"""The size limits of issue 17: no module over 350 lines and no function over 60 lines in the
packages a newcomer works in (``streams`` joins the list once its split is merged)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("streams", "ingress", "projections", "jira_sync")
MODULE_LINES = 350
FUNCTION_LINES = 60


def too_long(path: Path) -> list[str]:
    """``path``'s functions over ``FUNCTION_LINES`` lines, and the module if it is over
    ``MODULE_LINES``, one line each."""
    text = path.read_text()
    found = []
    if len(text.splitlines()) > MODULE_LINES:
        found.append(f"{len(text.splitlines())} lines")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES:
                found.append(f"{node.name}: {length} lines")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_functions_stay_under_the_limits(package: str) -> None:
    found = {
        str(path.relative_to(ROOT)): problems
        for path in sorted((ROOT / package).rglob("*.py"))
        if (problems := too_long(path))
    }
    assert found == {}


def test_the_check_sees_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(FUNCTION_LINES))
    short = "def short() -> None:\n    pass\n"
    (tmp_path / "long.py").write_text(f"def long() -> None:\n{body}\n{short}")
    (tmp_path / "big.py").write_text(short + "\n" * MODULE_LINES)
    assert too_long(tmp_path / "long.py") == [f"long: {FUNCTION_LINES + 1} lines"]
    assert too_long(tmp_path / "big.py") == [f"{MODULE_LINES + 2} lines"]
