"""Webhook deliveries: queued by the site, sent by a background task, never blocking REST.

Like JIRA: ``X-Hub-Signature`` when a secret is set, an identifier that stays the same
on every retry, ``X-Atlassian-Webhook-Retry`` from the first retry on, retries on
408/409/425/429/5xx, timeouts and connection failures (up to 5, minutes apart: see
``WebhookRetry``), any other 4xx final.
Faults (seeded): drops, duplicates (same identifier), extra delay, and reordering by
holding a window of deliveries and releasing it shuffled. Every delivery is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp

from sandbox.config import Faults, WebhookRetry
from streams.jira.signature import sign

RETRYABLE = frozenset({408, 409, 425, 429})
PENDING = frozenset({"queued", "held", "sending"})


@dataclass(frozen=True)
class Target:
    url: str
    secret: str | None
    events: frozenset[str]


@dataclass(frozen=True)
class Attempt:
    retry: int  # 0: the first attempt
    status: int | None
    error: str | None
    at: float


@dataclass
class Delivery:
    identifier: str
    event: str
    url: str
    body: bytes
    signature: str | None
    duplicate: bool = False
    state: str = "queued"  # queued, held, sending, delivered, failed, dropped
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def payload(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    @property
    def status(self) -> int | None:
        return self.attempts[-1].status if self.attempts else None

    def summary(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "event": self.event,
            "url": self.url,
            "state": self.state,
            "duplicate": self.duplicate,
            "attempts": [vars(attempt) for attempt in self.attempts],
            "payload": self.payload,
        }

    def headers(self, retry: int) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": self.identifier,
            "X-Atlassian-Webhook-Flow": "Primary",
        }
        if retry:
            headers["X-Atlassian-Webhook-Retry"] = str(retry)
        if self.signature:
            headers["X-Hub-Signature"] = self.signature
        return headers


def retryable(status: int) -> bool:
    return status in RETRYABLE or status >= 500


class Dispatcher:
    def __init__(
        self,
        target: Target | None,
        retry: WebhookRetry,
        faults: Callable[[], Faults],
        rng: random.Random,
    ) -> None:
        self.target = target
        self.retry = retry
        self.faults = faults
        self.rng = rng
        self.deliveries: list[Delivery] = []
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._held: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def publish(self, event: str, payload: dict[str, Any]) -> None:
        target = self.target
        if target is None or event not in target.events:
            return
        body = json.dumps(payload).encode()
        signature = sign(body, target.secret) if target.secret else None
        delivery = Delivery(str(uuid.uuid4()), event, target.url, body, signature)
        self._enqueue(delivery)
        if self.rng.random() < self.faults().webhook_duplicate_rate:
            self._enqueue(replace(delivery, duplicate=True, attempts=[]))

    def _enqueue(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self.rng.random() < self.faults().webhook_drop_rate:
            delivery.state = "dropped"
            return
        self._queue.put_nowait(delivery)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._runner = asyncio.create_task(self._run())

    async def close(self) -> None:
        tasks = [*self._tasks, *([self._runner] if self._runner else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()

    def flush(self) -> None:
        """Release held (reordered) deliveries now."""
        self.rng.shuffle(self._held)
        for delivery in self._held:
            self._spawn(delivery)
        self._held.clear()

    async def wait_idle(self, within: float = 5.0) -> bool:
        """Wait until no delivery is pending (held ones are released); False on time-out."""
        deadline = time.monotonic() + within
        while any(delivery.state in PENDING for delivery in self.deliveries):
            if time.monotonic() > deadline:
                return False
            if self._held and self._queue.empty():
                self.flush()
            await asyncio.sleep(0.005)
        return True

    async def _run(self) -> None:
        while True:
            hold = self.faults().webhook_hold_seconds if self._held else None
            try:
                delivery = await asyncio.wait_for(self._queue.get(), timeout=hold)
            except TimeoutError:
                self.flush()
                continue
            if self.faults().webhook_reorder_window > 1:
                delivery.state = "held"
                self._held.append(delivery)
                if len(self._held) >= self.faults().webhook_reorder_window:
                    self.flush()
            else:
                self._spawn(delivery)

    def _spawn(self, delivery: Delivery) -> None:
        delivery.state = "sending"
        task = asyncio.create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: Delivery) -> None:
        faults = self.faults()
        delay = faults.webhook_delay + self.rng.random() * faults.webhook_delay_jitter
        if delay:
            await asyncio.sleep(delay)
        for retry in range(self.retry.max_retries + 1):
            if retry:
                await asyncio.sleep(self.retry.delay(self.rng.uniform))
            status, error = await self._attempt(delivery, retry)
            delivery.attempts.append(Attempt(retry, status, error, time.time()))
            if status is not None and 200 <= status < 300:
                delivery.state = "delivered"
                return
            if status is not None and not retryable(status):
                break
        delivery.state = "failed"

    async def _attempt(self, delivery: Delivery, retry: int) -> tuple[int | None, str | None]:
        if self._session is None:
            raise RuntimeError("the dispatcher was not started")
        timeout = aiohttp.ClientTimeout(total=self.retry.timeout)
        headers = delivery.headers(retry)
        try:
            async with self._session.post(
                delivery.url, data=delivery.body, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as error:
            return None, f"{type(error).__name__}: {error}"
