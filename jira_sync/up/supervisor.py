"""Child processes of ``jira-sync up``: each in its own process group, recorded, stopped.

Every child runs in a new session (so a Ctrl-C in the terminal reaches ``up`` only, which
then stops the children in order) and is recorded with its kernel start time in
``up.json`` in the run folder, so a later ``up`` can stop what an ``up`` killed with
SIGKILL left behind, and never a recycled pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stack import process

RECORD = "up.json"


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached ``up``: stop everything it started (a BaseException,
    like KeyboardInterrupt, so that no ``except Exception`` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: str | None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "started": self.started, "log": str(self.log)}


@dataclass
class Signals:
    """SIGINT/SIGTERM raise ``Interrupted``, except inside ``deferred()`` (a spawn and its
    record), where they are held until the block ends; during ``stop_all`` a second signal
    only asks for haste (SIGKILL at once)."""

    pending: int | None = None
    shielded: bool = False
    stopping: bool = False
    hurry: bool = False

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self.stopping:
            self.hurry = True
        elif self.shielded:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self.shielded = True
        try:
            yield
        finally:
            self.shielded = False
        if self.pending is not None and not self.stopping:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


@dataclass
class Supervisor:
    run_dir: Path
    signals: Signals
    children: list[Child] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def record_file(self) -> Path:
        return self.run_dir / RECORD

    def spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> Child:
        log = self.run_dir / f"{name}.log"
        with self.signals.deferred(), log.open("wb") as sink:
            popen = subprocess.Popen(
                argv,
                env=dict(env),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            child = Child(name, popen, log, process.start_time(popen.pid))
            self.children.append(child)
            self.save()
        return child

    def save(self) -> None:
        me = os.getpid()
        raw = {
            "pid": me,
            "started": process.start_time(me),
            "children": [child.as_json() for child in self.children],
            **self.extra,
        }
        partial = self.record_file.with_suffix(".tmp")
        partial.write_text(json.dumps(raw, indent=2))
        partial.replace(self.record_file)

    def exited(self) -> Child | None:
        """The first child that is no longer running, if any."""
        return next((child for child in self.children if child.popen.poll() is not None), None)

    def stop_all(self, timeout: float, report: Callable[[str], None]) -> None:
        """SIGTERM every child's process group, SIGKILL what is left after ``timeout``
        seconds (or at once on a second Ctrl-C), and reap them all."""
        self.signals.stopping = True
        running = [child for child in self.children if child.popen.poll() is None]
        for child in reversed(running):
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(child.popen.poll() is None for child in running):
            if self.signals.hurry or time.monotonic() > deadline:
                for child in running:
                    if child.popen.poll() is None:
                        report(f"{child.name} did not stop in time; killing it")
                        _signal_group(child.pid, signal.SIGKILL)
                break
            time.sleep(0.1)
        for child in self.children:
            child.popen.wait()
            _signal_group(child.pid, signal.SIGKILL)  # anything its own children left behind
        if running:
            report(f"stopped {', '.join(child.name for child in running)}")
        self.children.clear()
        self.record_file.unlink(missing_ok=True)


def _signal_group(pgid: int, signum: int) -> None:
    """The child leads its own group (new session); its pid cannot be reused as a pgid
    while any member of the group is alive, so this only reaches our processes."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def leftovers(run_dir: Path) -> dict[str, Any] | None:
    """The record of an earlier ``up`` in this run folder, when that ``up`` is gone."""
    try:
        raw: dict[str, Any] = json.loads((run_dir / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if process.alive(int(raw.get("pid", 0)), raw.get("started")):
        return None
    return raw


def stop_leftovers(raw: Mapping[str, Any], grace: float) -> list[str]:
    """Stop the recorded children of a dead ``up`` that still run (pid and start time)."""
    stopped = []
    for entry in raw.get("children", []):
        pid, started = int(entry["pid"]), entry.get("started")
        if process.alive(pid, started):
            _signal_group(pid, signal.SIGTERM)
            process.stop(pid, started, grace)
            stopped.append(f"{entry['name']} (pid {pid})")
    return stopped
