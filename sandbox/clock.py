"""Time for the emulator: injectable, so rate limits and timestamps are testable.

JIRA writes timestamps as ``2024-01-01T12:00:00.000+0000`` (site time zone UTC here).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

JIRA_TIME = "%Y-%m-%dT%H:%M:%S"


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to (unit tests)."""

    def __init__(self, start: float = 1_704_110_400.0) -> None:
        self._now = start

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def jira_time(epoch_ms: int) -> str:
    """``2024-01-01T12:00:00.000+0000`` for an epoch in milliseconds."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return f"{moment.strftime(JIRA_TIME)}.{epoch_ms % 1000:03d}+0000"


def iso_time(epoch_seconds: float) -> str:
    """RFC 3339 with a ``Z``: the form of ``X-RateLimit-Reset``."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Stamper:
    """Milliseconds from a clock, strictly increasing: two quick edits never share one."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def now_ms(self) -> int:
        self._last = max(int(self._clock.time() * 1000), self._last + 1)
        return self._last
