"""Fixtures for the emulator's tests: sites over real HTTP, a client, a webhook receiver.

Every site runs with the OpenAPI contract switched on; the violations of all sites of a
test module are collected and the module fails at teardown if there are any.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox import RunningSite, SiteConfig, WebhookRetry, serve_emulator
from sandbox.adf import document
from sandbox.clock import Clock
from sandbox.contract import OpenApiContract
from streams.jira.webhooks import parse_webhook
from tests.infra import OPENAPI_SPEC

EMAIL, TOKEN = "sandbox@example.com", "sandbox-token"
FAST_RETRY = WebhookRetry(min_delay=0.01, max_delay=0.01, timeout=1.0)  # JIRA's: minutes


def basic(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Jira:
    """A thin REST client for the tests: every call returns status, JSON body, headers."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.authorization = basic(EMAIL, TOKEN)

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        authorization: str | None = None,
        give_up_after: float | None = None,
    ) -> Answer:
        headers = {"Authorization": authorization or self.authorization}
        client_timeout = aiohttp.ClientTimeout(total=give_up_after) if give_up_after else None
        async with self.session.request(
            method, self.base_url + path, json=body, headers=headers, timeout=client_timeout
        ) as response:
            raw = await response.read()
            parsed = await response.json() if raw else None
            return Answer(response.status, parsed, dict(response.headers))

    async def get(self, path: str, **kwargs: Any) -> Answer:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return await self.call("POST", path, body, **kwargs)

    async def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return await self.call("PUT", path, body, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Answer:
        return await self.call("DELETE", path, **kwargs)

    async def create(self, summary: str = "An issue", **fields: Any) -> str:
        """Create an issue; its key."""
        body = {
            "fields": {
                "project": {"key": "PROJ1"},
                "issuetype": {"name": "Task"},
                "summary": summary,
            }
            | fields
        }
        answer = await self.post("/rest/api/3/issue", body)
        assert answer.status == 201, answer.body
        return str(answer.body["key"])


def doc(text: str) -> dict[str, Any]:
    return document(text)


def expect_violation(running: RunningSite, fragment: str) -> None:
    """A test that sends an off-contract request on purpose: the contract must notice."""
    violations = running.emulator.contract_violations
    matching = [violation for violation in violations if fragment in violation]
    assert matching, violations
    for violation in matching:
        violations.remove(violation)


@pytest.fixture(scope="session")
def contract() -> OpenApiContract:
    return OpenApiContract(OPENAPI_SPEC)


@pytest.fixture(scope="module")
def module_violations() -> Iterator[list[str]]:
    """Contract violations of every site in the module: none allowed."""
    violations: list[str] = []
    yield violations
    assert violations == [], "\n".join(violations)


StartSite = Callable[..., Awaitable[RunningSite]]


@pytest.fixture
async def start_site(
    contract: OpenApiContract, module_violations: list[str]
) -> AsyncIterator[StartSite]:
    sites: list[RunningSite] = []
    async with AsyncExitStack() as stack:

        async def start(clock: Clock | None = None, **overrides: Any) -> RunningSite:
            settings = {"contract": contract, "webhook_retry": FAST_RETRY} | overrides
            config = SiteConfig(**settings)
            running = await stack.enter_async_context(serve_emulator(config, clock=clock))
            sites.append(running)
            return running

        yield start
    for running in sites:
        module_violations.extend(running.emulator.contract_violations)


@pytest.fixture
async def site(start_site: StartSite) -> RunningSite:
    return await start_site()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def jira(session: aiohttp.ClientSession, site: RunningSite) -> Jira:
    return Jira(session, site.base_url)


@pytest.fixture
async def flat_jira(session: aiohttp.ClientSession, start_site: StartSite) -> Jira:
    """A client of a site whose project has no Epic and no Sub-task type (the default has
    both, as JIRA Cloud does): for tests that list the standard types alone."""
    return Jira(session, (await start_site(epic_types=(), subtask_types=())).base_url)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint: answers with ``statuses`` in turn (then 200), records requests."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(dict(request.headers), await request.read()))
        self.arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)

    async def wait_for(self, count: int, within: float = 3.0) -> list[Received]:
        async with asyncio.timeout(within):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A local webhook endpoint; at teardown every body it got must parse as a webhook."""
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks/jira", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    endpoint.url = f"http://127.0.0.1:{port}/webhooks/jira"
    yield endpoint
    await runner.cleanup()
    for item in endpoint.received:  # every delivery is a webhook the ingress accepts
        parse_webhook(item.body)
