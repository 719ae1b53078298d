"""What the harness takes from the machine: the project's paths, the JIRA reference files,
settings that read nothing from the environment, and the shared download cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stack import StackHome, default_home
from streams.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OPENAPI_SPEC = SHARED / "reference" / "jira-cloud-platform-v3.openapi.json"
WEBHOOK_SAMPLES = SHARED / "reference" / "webhooks"


def isolated_settings(**values: Any) -> Settings:
    """Settings from these values only: no JIRA site, nothing from the developer's
    environment or ``.env``."""
    no_sites = {
        f"jira_{n}_{name}": None for n in (1, 2) for name in ("base_url", "username", "api_token")
    }
    return Settings(_env_file=None, **{**no_sites, "dynamodb_endpoint_url": None, **values})


def shared_stack_home() -> StackHome:
    """The shared download cache, with a run folder of the tests' own."""
    root = default_home()
    return StackHome(cache=root / "cache", run=root / f"pytest-run-{os.getpid()}")
