"""The one request primitive: auth, pacing, error mapping and retry with backoff.

Retries: a 429 is always retried (JIRA refused the request, nothing happened), waiting at
least ``Retry-After``; the limiter pauses what the 429 names (the endpoint's bucket or the
issue's writes), never the whole site (``streams.jira.ratelimit``). 5xx, timeouts and
409 are retried only for idempotent requests (GET, PUT, DELETE, or a POST the caller marks
idempotent such as a search); for a create they surface to the caller, which reconciles
through the link marker instead of risking a duplicate.

``observer`` (None: nothing observed) hears of every call once it is answered (its status,
None with no answer) and of every retry: the worker's metrics (``streams.sync.metrics``).
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import aiohttp
from pydantic import SecretStr

from streams.jira.errors import (
    JiraUnavailable,
    RateLimited,
    RetryableJiraError,
    error_for,
    retry_after_seconds,
)
from streams.jira.ratelimit import SiteLimiter

Params = Mapping[str, str | int | bool | list[str] | None]
Sleep = Callable[[float], Awaitable[None]]
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})


class CallObserver(Protocol):
    def answered(self, method: str, status: int | None, seconds: float) -> None:
        """A call's answer (``status`` None: none came, a timeout or a connection error)."""

    def retried(self) -> None:
        """A call is about to be sent again."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff from ``base_delay`` to ``max_delay`` with jitter."""

    attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        spread = 1.0 + self.rng.uniform(0.0, self.jitter)
        retry_after = retry_after_seconds(retry_after)
        if retry_after is not None:
            return retry_after * spread
        backoff: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * spread


@dataclass
class SiteAuth:
    """How to reach and sign in to a site: Cloud's email and API token (Basic); a Data
    Center site's username and password (Basic) or personal access token (``bearer``)."""

    base_url: str
    email: str
    api_token: SecretStr
    flavour: Literal["cloud", "datacenter"] = "cloud"
    bearer: SecretStr | None = None

    def header(self) -> str:
        """``Authorization`` value: the PAT as Bearer, else Basic with account and token."""
        if self.bearer is not None:
            return "Bearer " + self.bearer.get_secret_value()
        pair = f"{self.email}:{self.api_token.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode()


class JiraTransport:
    def __init__(
        self,
        auth: SiteAuth,
        session: aiohttp.ClientSession,
        limiter: SiteLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.auth = auth
        self.session = session
        self.limiter = limiter if limiter is not None else SiteLimiter()
        self.retry = retry if retry is not None else RetryPolicy()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.calls: Counter[str] = Counter()
        self.observer: CallObserver | None = None
        self._sleep = sleep

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one logical request; returns the decoded JSON body (None when empty)."""
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return await self._once(method, path, params, json)
            except RetryableJiraError as error:
                if attempt == self.retry.attempts or not (safe or isinstance(error, RateLimited)):
                    raise
                await self._back_off(attempt, error)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _back_off(self, attempt: int, error: RetryableJiraError) -> None:
        delay = self.retry.delay(attempt, error.retry_after)
        self.calls["retries"] += 1
        if self.observer is not None:
            self.observer.retried()
        await self._sleep(delay)

    async def _once(self, method: str, path: str, params: Params | None, body: Any) -> Any:
        await self.limiter.acquire(method, path)
        self.calls[method] += 1
        url = self.auth.base_url.rstrip("/") + path
        started = time.perf_counter()
        try:
            async with self.session.request(
                method,
                url,
                params=_query(params),
                json=body,
                timeout=self.timeout,
                headers={"Accept": "application/json", "Authorization": self.auth.header()},
            ) as response:
                decoded = await _decode(response)
                status, retry_after = response.status, _retry_after(response.headers)
                self.limiter.answered(method, path, status, response.headers)
        except (TimeoutError, aiohttp.ClientError) as error:
            self._observed(method, None, started)
            reason = str(error) or type(error).__name__
            raise JiraUnavailable(method, path, None, [reason]) from error
        self._observed(method, status, started)
        if status < 300:
            return decoded
        raise error_for(method, path, status, decoded, retry_after)

    def _observed(self, method: str, status: int | None, started: float) -> None:
        if self.observer is not None:
            self.observer.answered(method, status, time.perf_counter() - started)


async def _decode(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if not text:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return await response.json(content_type=None)
        except ValueError:
            return text
    return text


def _retry_after(headers: Mapping[str, str]) -> float | None:
    return retry_after_seconds(headers.get("Retry-After"))


def _query(params: Params | None) -> dict[str, str] | None:
    if params is None:
        return None
    query: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, list):
            query[key] = ",".join(value)
        else:
            query[key] = str(value)
    return query
