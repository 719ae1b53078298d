"""What every benchmark shares: a broker, run facts (date, commit, load average), quantiles,
tables, the JSON report, and cleanup on Ctrl-C or SIGTERM.

JSON reports and worker logs go to ``bench/results/`` (git-ignored), or ``$BENCH_RESULTS``.
A benchmark without ``--kafka`` starts the project's local stack on free ports in a run
folder of its own (``.jira-sync/bench-run-<pid>``) and stops exactly that stack at the end.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from stack import Stack, StackHome, default_home

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results")
T = TypeVar("T")


# --- run facts ----------------------------------------------------------------------------


@dataclass
class LoadSampler:
    """The 1-minute load average, sampled every ``every`` seconds while a run lasts (other
    engineers share the machine: the figures mean little without it)."""

    every: float = 5.0
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> LoadSampler:
        self.samples.append(os.getloadavg()[0])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float]:
        values = self.samples or [os.getloadavg()[0]]
        return {
            "min": round(min(values), 2),
            "mean": round(statistics.fmean(values), 2),
            "max": round(max(values), 2),
        }


def commit() -> str:
    """The checked-out commit (short), with ``+dirty`` when tracked files differ from it."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def run_facts(smoke: bool, load: LoadSampler, began: float) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "smoke": smoke,
        "seconds": round(time.monotonic() - began, 1),
        "load_average_1m": load.summary(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


# --- figures --------------------------------------------------------------------------------


def quantiles(values: Sequence[float], missing: int = 0) -> dict[str, float | None]:
    """p50/p95/p99 in ms of ``values`` (seconds); ``missing`` values never arrived and count
    as longer than every measured one, so a quantile that falls on them is None."""
    ordered = sorted(values) + [math.inf] * missing
    if not ordered:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    cut = {}
    for name, q in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        value = ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]
        cut[name] = None if math.isinf(value) else round(value * 1000, 1)
    return cut


def shown(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, first column left-aligned, the others right-aligned."""
    cells = [list(headers), *([shown(cell) for cell in row] for row in rows)]
    widths = [max(len(line[n]) for line in cells) for n in range(len(headers))]
    lines = []
    for line in cells:
        first = line[0].ljust(widths[0])
        rest = "".join(
            cell.rjust(width + 2) for cell, width in zip(line[1:], widths[1:], strict=True)
        )
        lines.append(first + rest)
    return "\n".join(lines)


def write_report(name: str, report: dict[str, Any], output: Path | None) -> Path:
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    path = output or RESULTS / f"{name}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def work_dir(name: str) -> Path:
    """Worker logs and data of one run (git-ignored, kept for a post-mortem)."""
    path = RESULTS / "logs" / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- processes ------------------------------------------------------------------------------


@contextmanager
def broker(kafka: str | None) -> Iterator[str]:
    """``kafka`` when given, else a local stack of our own on free ports, stopped at the end;
    its folder (Kafka's data: hundreds of MB after a full run) is deleted unless the run
    failed."""
    if kafka:
        yield kafka
        return
    home = default_home()
    folder = home / f"bench-run-{os.getpid()}"
    stack = Stack(StackHome(cache=home / "cache", run=folder), print)
    done = False
    try:
        state = stack.up(kafka_port=0, dynamodb_port=0)
        yield state.kafka_bootstrap_servers
        done = True
    finally:
        stack.down()
        if done:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"bench: the local stack's logs are in {folder}")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` where SIGTERM, like Ctrl-C, cancels the benchmark, so every
    ``finally`` and context exit (workers, emulators, ingress) runs before it ends."""

    async def guarded() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await main
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("bench: interrupted; what it started is stopped") from None


@asynccontextmanager
async def heap_frozen(every: float = 1.0) -> AsyncIterator[None]:
    """This process's objects kept out of the garbage collector's full passes, every
    ``every`` seconds. The bench process hosts both emulated JIRA sites: a full pass over
    their issues and recorded calls stalled both sites at once, 0.4-0.8 s every 20 s at
    4,000 issues a site (longer with more), which no JIRA site does to its clients. The
    workers are processes of their own and keep their collector as it is."""

    async def freeze() -> None:
        while True:
            gc.freeze()
            await asyncio.sleep(every)

    task = asyncio.create_task(freeze())
    try:
        yield
    finally:
        task.cancel()
        gc.unfreeze()
