"""What a serving ``jira-sync up`` leaves for the operator commands: its generated key, its
ports, its Kafka, table and sites, in ``sandbox.env`` of its run folder (readable by its
owner only), with its pid, so that ``jira-sync status`` and the others work next to it with
nothing copied by hand (``jira_sync.config_cmd.operator_settings`` reads it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from jira_sync.config_cmd import SANDBOX_ENV, UP_PID, UP_STARTED
from stack import process

LEFT_OUT = {"PYTHONUNBUFFERED", "SYNC_METRICS_PORT"}  # of the children, not of the commands


def handoff_text(env: Mapping[str, str], pid: int) -> str:
    """The file's lines; a value that cannot be one line is refused."""
    lines = [f"{UP_PID}={pid}", f"{UP_STARTED}={process.start_time(pid)}"]
    for key, value in sorted(env.items()):
        if key in LEFT_OUT:
            continue
        if "\n" in value or "'" in value:
            raise ValueError(f"{key} cannot be written on one line")
        lines.append(f"{key}='{value}'")
    return "\n".join(lines) + "\n"


def write_handoff(run_dir: Path, env: Mapping[str, str]) -> Path:
    path = run_dir / SANDBOX_ENV
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(handoff_text(env, os.getpid()))
    return path
