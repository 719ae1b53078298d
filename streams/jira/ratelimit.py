"""Client-side pacing per JIRA site, shared by every task that talks to that site.

Token buckets per method (a little under JIRA Cloud's burst limits), plus a site-wide pause
after a 429 so that concurrent tasks wait together instead of storming the site.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# JIRA Cloud's burst limits per site and method, per second (JIRA.md); we stay at 90 %.
JIRA_CLOUD_BURST = {"GET": 100.0, "POST": 100.0, "PUT": 50.0, "DELETE": 50.0}


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self, now: float) -> float:
        """Take one token, borrowing when empty; return how long to wait before using it."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return max(0.0, -self.tokens / self.rate)


class SiteLimiter:
    """``await limiter.acquire("PUT")`` before each request to one site."""

    def __init__(
        self,
        rates: dict[str, float] | None = None,
        share: float = 0.9,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        chosen = rates if rates is not None else JIRA_CLOUD_BURST
        self._buckets = {
            method: TokenBucket(rate * share, max(1.0, rate * share))
            for method, rate in chosen.items()
        }
        start = clock()
        for bucket in self._buckets.values():
            bucket.stamp = start
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def acquire(self, method: str) -> None:
        bucket = self._buckets.get(method.upper())
        async with self._lock:
            paused = self._paused_until - self._clock()
            if paused > 0:
                await self._sleep(paused)
            wait = bucket.take(self._clock()) if bucket is not None else 0.0
            if wait > 0:
                await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """After a 429: every caller waits at least ``seconds`` from now."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
