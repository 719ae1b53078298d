"""The run folder of ``jira-sync up``: one ``up`` at a time in it (a lock), and what an
earlier, killed ``up`` left running there (recorded in ``up.json``) stopped first."""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path

from jira_sync.up.console import UpError, progress
from jira_sync.up.supervisor import leftovers, stop_leftovers
from stack import Stack, StackHome


@contextlib.contextmanager
def exclusive(run_dir: Path) -> Iterator[None]:
    """One ``up`` per run folder at a time."""
    with (run_dir / "up.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _recorded_pid(run_dir)
            raise UpError(
                f"another jira-sync up{owner} is running with the run folder {run_dir}; stop it "
                "first, or give this one another --run-dir (and other ports)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _recorded_pid(run_dir: Path) -> str:
    try:
        return f" (pid {json.loads((run_dir / 'up.json').read_text())['pid']})"
    except (OSError, ValueError, KeyError):
        return ""


def clean_leftovers(run_dir: Path, grace: float) -> None:
    raw = leftovers(run_dir)
    if raw is None:
        return
    stopped = stop_leftovers(raw, grace)
    if stopped:
        progress(f"stopped what an earlier, killed jira-sync up left running: {', '.join(stopped)}")
    stack_home = raw.get("stack_home")
    if isinstance(stack_home, str):
        names = Stack(StackHome.at(Path(stack_home))).down()
        if names:
            progress(f"stopped the stack an earlier jira-sync up started: {', '.join(names)}")
    (run_dir / "up.json").unlink(missing_ok=True)
