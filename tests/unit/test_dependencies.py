"""Every third-party package the application imports is declared in pyproject.toml, and
aiohttp at a version without the advisories fixed in 3.13.3 (issue 16, item 10i)."""

from __future__ import annotations

import importlib.metadata
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.unit.test_layout import imported_packages

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("streams", "ingress", "projections", "sandbox", "stack", "jira_sync", "harness")
# Brought in by a declared dependency and only used together with it.
TRANSITIVE = {
    "mode-streaming": "faust-streaming",
    "multidict": "aiohttp",
    "yarl": "aiohttp",
    "botocore": "boto3",
    "mypy-boto3-dynamodb": "boto3",  # type stubs, imported under TYPE_CHECKING only
}


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    return {canonicalize_name(req.name): req for req in requirements}


def imported_distributions() -> set[str]:
    owners = importlib.metadata.packages_distributions()
    ours = set(PACKAGES)
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            names |= imported_packages(path)
    external = names - ours - set(sys.stdlib_module_names) - {"__future__"}
    return {canonicalize_name(owners.get(name, [name])[0]) for name in external}


def test_every_imported_distribution_is_declared() -> None:
    wanted = declared()
    missing = {
        name
        for name in imported_distributions()
        if name not in wanted and TRANSITIVE.get(name) not in wanted
    }
    assert not missing, f"imported but not in [project] dependencies: {sorted(missing)}"


def test_aiohttp_is_at_least_3_13_3() -> None:
    aiohttp = declared()["aiohttp"]
    assert not aiohttp.specifier.contains(Version("3.13.2"))
    assert aiohttp.specifier.contains(Version("3.13.3"))
