"""JIRA Cloud's rate limits: a token bucket per endpoint and method (burst), and sliding
windows of writes per issue. Pure bookkeeping over an injected clock.

A refused request gets 429 with ``Retry-After`` (whole seconds), ``RateLimit-Reason``
(``jira-burst-based`` or ``jira-per-issue-on-write``) and ``X-RateLimit-*``; on a Data
Center site ``Retry-After`` and Data Center's ``X-RateLimiting-*``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from sandbox.clock import Clock, iso_time
from sandbox.config import RateLimits

WRITES = frozenset({"POST", "PUT", "DELETE"})


@dataclass(frozen=True)
class Rejection:
    reason: str
    retry_after: float
    limit: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        return {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "RateLimit-Reason": self.reason,
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": iso_time(self.reset_at),
        }

    def datacenter_headers(self) -> dict[str, str]:
        """Data Center's names (its limiter is a token bucket refilled every interval)."""
        return {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimiting-Limit": str(self.limit),
            "X-RateLimiting-Remaining": "0",
            "X-RateLimiting-Interval-Seconds": "1",
            "X-RateLimiting-FillRate": str(self.limit),
        }


@dataclass
class Bucket:
    capacity: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take one token; 0 when granted, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.capacity)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.capacity


class RateLimiter:
    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._writes: dict[str, deque[float]] = {}

    def admit(self, method: str, endpoint: str, issue_id: str | None) -> Rejection | None:
        now = self.clock.time()
        writing = issue_id is not None and method in WRITES
        if writing and issue_id is not None:
            refused = self._issue_window(issue_id, now)
            if refused is not None:
                return refused
        refused = self._burst(method, endpoint, now)
        if refused is None and writing and issue_id is not None:
            self._writes.setdefault(issue_id, deque()).append(now)
        return refused

    def _burst(self, method: str, endpoint: str, now: float) -> Rejection | None:
        capacity = self._per_second(method)
        bucket = self._buckets.setdefault((method, endpoint), Bucket(capacity, capacity, now))
        wait = bucket.take(now)
        if wait == 0:
            return None
        return Rejection("jira-burst-based", wait, int(capacity), now + wait)

    def _per_second(self, method: str) -> float:
        limits = self.limits
        rates = {"POST": limits.post_per_second, "PUT": limits.put_per_second}
        rates |= {"DELETE": limits.delete_per_second}
        return rates.get(method, limits.get_per_second)

    def _issue_window(self, issue_id: str, now: float) -> Rejection | None:
        history = self._writes.get(issue_id, deque())
        longest = max((seconds for _, seconds in self.limits.issue_writes), default=0.0)
        while history and history[0] <= now - longest:
            history.popleft()
        for count, seconds in self.limits.issue_writes:
            recent = [moment for moment in history if moment > now - seconds]
            if len(recent) >= count:
                wait = recent[-count] + seconds - now
                return Rejection("jira-per-issue-on-write", wait, count, now + wait)
        return None
