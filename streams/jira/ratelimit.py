"""Client-side pacing per JIRA site, shared by every task that talks to that site.

JIRA Cloud counts as its documentation says (JIRA.md, "Rate limits"; Atlassian's
https://developer.atlassian.com/cloud/jira/platform/rate-limiting/): a token bucket per
endpoint and method (GET issue and GET comment are different buckets), and windows of
writes per issue (20 per 2 s, 100 per 30 s). The limiter keeps the same books a little under
those ceilings (``share``, 0.95 by default), so that the site never has to refuse:

- a call *reserves* its slot synchronously and then sleeps until it, outside any lock, so a
  call waiting for a busy bucket never holds up a call to another one;
- a 429 pauses only what it names: the endpoint's bucket (``jira-burst-based``) or the
  issue's writes (``jira-per-issue-on-write``), for ``Retry-After`` (or until
  ``X-RateLimit-Reset``);
- an answer that says the bucket is empty (``X-RateLimit-Remaining: 0``) pauses that bucket
  until ``X-RateLimit-Reset`` before JIRA has to refuse anything.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from streams.jira.errors import retry_after_seconds

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# JIRA Cloud's burst limits per endpoint and method, per second (JIRA.md).
JIRA_CLOUD_BURST = {"GET": 100.0, "POST": 100.0, "PUT": 50.0, "DELETE": 50.0}
# JIRA Cloud's per-issue write limits: (writes, seconds) windows (JIRA.md).
JIRA_CLOUD_ISSUE_WRITES = ((20, 2.0), (100, 30.0))
SHARE = 0.95  # how much of each ceiling the client uses
WRITES = frozenset({"POST", "PUT", "DELETE"})
PER_ISSUE = "jira-per-issue-on-write"
UNSAID_PAUSE = 1.0  # a 429 that says neither Retry-After nor a reset

_ISSUE = re.compile(r"^/rest/api/\d+/issue/(?!createmeta\b|bulk\b|picker\b)([^/]+)")
_NAMED_BY_PARENT = frozenset({"properties", "project", "issue", "user", "attachment"})
_LITERAL = frozenset({"createmeta", "bulk", "picker", "search", "type", "properties"})


def endpoint(path: str) -> str:
    """The endpoint a path belongs to, as JIRA buckets it: the route with its ids, keys and
    property names left out (``/rest/api/3/issue/ABC-1/comment/7`` ->
    ``/rest/api/3/issue/{}/comment/{}``)."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    shaped = []
    for index, part in enumerate(parts):
        parent = parts[index - 1] if index else ""
        named = parent in _NAMED_BY_PARENT and part not in _LITERAL
        shaped.append("{}" if named or (any(c.isdigit() for c in part) and index > 2) else part)
    return "/" + "/".join(shaped)


def issue_of(method: str, path: str) -> str | None:
    """The issue a write is to (its key or id as the path names it), else None."""
    if method not in WRITES:
        return None
    found = _ISSUE.match(path)
    return found.group(1) if found else None


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)
    paused_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self, now: float) -> float:
        """Reserve one token, borrowing when empty; return how long to wait before using it."""
        start = max(now, self.paused_until)
        self.tokens = min(self.capacity, self.tokens + max(0.0, start - self.stamp) * self.rate)
        self.stamp = max(self.stamp, start)
        self.tokens -= 1.0
        return (start - now) + max(0.0, -self.tokens / self.rate)

    def pause(self, until: float) -> None:
        """JIRA said this bucket is empty: nothing from it before ``until``, and it fills
        again only from then."""
        self.paused_until = max(self.paused_until, until)
        self.stamp = max(self.stamp, until)
        self.tokens = min(self.tokens, 0.0)

    def give_back(self) -> None:
        """A reservation not used (its call waits again, with a new one)."""
        self.tokens = min(self.capacity, self.tokens + 1.0)


@dataclass
class IssueWrites:
    """The reserved write times of one issue, oldest first, against JIRA's windows."""

    windows: tuple[tuple[int, float], ...]
    times: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0

    def reserve(self, earliest: float, now: float) -> float:
        """The first moment at or after ``earliest`` that keeps every window; reserved."""
        longest = max((seconds for _, seconds in self.windows), default=0.0)
        while self.times and self.times[0] <= now - longest:
            self.times.popleft()
        moment = max(earliest, self.paused_until, self.times[-1] if self.times else earliest)
        for count, seconds in self.windows:
            if count > 0 and len(self.times) >= count:
                moment = max(moment, self.times[-count] + seconds)
        self.times.append(moment)
        return moment

    def give_back(self, moment: float) -> None:
        if moment in self.times:
            self.times.remove(moment)


@dataclass(frozen=True)
class Reservation:
    """A call's reserved slot: the seconds to wait, and what it took from."""

    wait: float
    bucket: TokenBucket | None = None
    writes: IssueWrites | None = None
    moment: float = 0.0

    def give_back(self) -> None:
        if self.bucket is not None:
            self.bucket.give_back()
        if self.writes is not None:
            self.writes.give_back(self.moment)


class SiteLimiter:
    """``await limiter.acquire("PUT", path)`` before each request to one site, and
    ``limiter.answered(...)`` with what JIRA said about its limits."""

    def __init__(
        self,
        rates: dict[str, float] | None = None,
        share: float = SHARE,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        issue_writes: tuple[tuple[int, float], ...] = JIRA_CLOUD_ISSUE_WRITES,
        wall: Clock = time.time,
    ) -> None:
        self._rates = {
            method.upper(): rate * share
            for method, rate in (rates if rates is not None else JIRA_CLOUD_BURST).items()
        }
        self._windows = tuple(
            (max(1, int(count * share)), seconds) for count, seconds in issue_writes
        )
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._issues: dict[str, IssueWrites] = {}
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._wall = wall

    async def acquire(self, method: str, path: str = "") -> None:
        """Waits for the call's slot; a 429 that paused its bucket (or its issue, or the
        site) while it waited makes it wait that out too, with a new reservation."""
        slot = self.reservation(method, path)
        while slot.wait > 0:
            await self._sleep(slot.wait)
            if not self._paused(method, path):
                return
            slot.give_back()  # its place is gone with the pause: a new one after it
            slot = self.reservation(method, path)

    def reserve(self, method: str, path: str = "") -> float:
        """Reserve the call's slot now; the seconds until it may be sent."""
        return self.reservation(method, path).wait

    def reservation(self, method: str, path: str = "") -> Reservation:
        """The call's slot, reserved now (no await between looking and taking)."""
        method, now = method.upper(), self._clock()
        start = max(now, self._paused_until)
        bucket = self._bucket(method, path, now)
        ready = start + (bucket.take(start) if bucket is not None else 0.0)
        issue = issue_of(method, path)
        if issue is None or not self._windows:
            return Reservation(ready - now, bucket)
        writes = self._issues.setdefault(issue, IssueWrites(self._windows))
        moment = writes.reserve(ready, now)
        return Reservation(moment - now, bucket, writes, moment)

    def _paused(self, method: str, path: str) -> bool:
        now, method = self._clock(), method.upper()
        bucket = self._buckets.get((method, endpoint(path)))
        issue = self._issues.get(issue_of(method, path) or "")
        return (
            self._paused_until > now
            or (bucket is not None and bucket.paused_until > now)
            or (issue is not None and issue.paused_until > now)
        )

    def pause(self, seconds: float, method: str | None = None, path: str = "") -> None:
        """Nothing before ``seconds`` from now: from the bucket of ``method`` and ``path``
        when given, else from the whole site."""
        until = self._clock() + seconds
        if method is None:
            self._paused_until = max(self._paused_until, until)
            return
        bucket = self._bucket(method.upper(), path, self._clock())
        if bucket is not None:
            bucket.pause(until)

    def answered(self, method: str, path: str, status: int, headers: Mapping[str, str]) -> None:
        """Bookkeeping of one answer: a 429 pauses its bucket or its issue's writes; an
        answer that says the bucket is empty pauses it until the reset."""
        method = method.upper()
        if status != 429 and headers.get("X-RateLimit-Remaining") != "0":
            return
        seconds = self._wait_said(headers, status)
        if seconds is None:
            return
        issue = issue_of(method, path)
        if status == 429 and headers.get("RateLimit-Reason") == PER_ISSUE and issue is not None:
            writes = self._issues.setdefault(issue, IssueWrites(self._windows))
            writes.paused_until = max(writes.paused_until, self._clock() + seconds)
            return
        self.pause(seconds, method, path)

    def _wait_said(self, headers: Mapping[str, str], status: int) -> float | None:
        said = retry_after_seconds(headers.get("Retry-After"))
        if said is not None:
            return said
        reset = _timestamp(headers.get("X-RateLimit-Reset"))
        until = retry_after_seconds(reset - self._wall()) if reset is not None else None
        if status == 429:  # refused: paused a moment at least, whatever the clocks say
            return max(until or 0.0, UNSAID_PAUSE)
        return until or None

    def _bucket(self, method: str, path: str, now: float) -> TokenBucket | None:
        rate = self._rates.get(method)
        if rate is None:
            return None
        key = (method, endpoint(path))
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, max(1.0, rate))
            bucket.stamp = now
        return bucket


def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
