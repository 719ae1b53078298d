"""The transport tells its observer of every call's answer and every retry (the worker's
metrics, ``streams.sync.metrics.SiteCalls``): over HTTP, a 429 then a 200, and a call that
gets no answer in time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from streams.jira.errors import JiraUnavailable
from streams.jira.transport import JiraTransport, RetryPolicy, SiteAuth
from streams.sync.metrics import WorkerMetrics


@pytest.fixture
async def jira() -> AsyncIterator[str]:
    asked: list[str] = []

    async def myself(request: web.Request) -> web.Response:
        asked.append("myself")
        if len(asked) == 1:
            return web.json_response({}, status=429, headers={"Retry-After": "0"})
        return web.json_response({"accountId": "sync"})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/rest/api/3/myself", myself)
    app.router.add_put("/rest/api/3/issue/PROJ1-1", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_calls_statuses_429s_and_retries_reach_the_metrics(jira: str) -> None:
    metrics = WorkerMetrics()

    async def no_wait(seconds: float) -> None:
        pass

    async with aiohttp.ClientSession() as session:
        auth = SiteAuth(jira, "sandbox@example.com", SecretStr("sandbox-token"))
        retry = RetryPolicy(attempts=2)
        transport = JiraTransport(auth, session, retry=retry, timeout=0.3, sleep=no_wait)
        transport.observer = metrics.site(1)
        assert await transport.request("GET", "/rest/api/3/myself") == {"accountId": "sync"}
        with pytest.raises(JiraUnavailable):
            await transport.request("PUT", "/rest/api/3/issue/PROJ1-1", json={})
    value = metrics.registry.get_sample_value
    site = {"site": "jira1"}
    calls = "jira_sync_worker_jira_calls_total"
    assert value(calls, site | {"method": "GET", "status": "429"}) == 1
    assert value(calls, site | {"method": "GET", "status": "200"}) == 1
    assert value(calls, site | {"method": "PUT", "status": "none"}) == 2  # sent again once
    assert value("jira_sync_worker_jira_rate_limited_total", site) == 1
    assert value("jira_sync_worker_jira_retries_total", site) == 2
    took = value("jira_sync_worker_jira_call_seconds_sum", site | {"method": "PUT"})
    assert took is not None
    assert took >= 0.5  # two calls of the 0.3 s timeout
