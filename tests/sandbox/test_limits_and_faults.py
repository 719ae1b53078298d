"""Rate limits (injected clock) and injected REST faults (seeded, so deterministic)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from sandbox import Faults, ManualClock, RateLimits, RunningSite
from sandbox.ratelimit import RateLimiter
from tests.sandbox.conftest import Jira, StartSite

ISSUE = "/rest/api/3/issue"


def test_burst_bucket_refills_with_time() -> None:
    clock = ManualClock()
    limiter = RateLimiter(RateLimits(get_per_second=2), clock)
    assert limiter.admit("GET", "/a", None) is None
    assert limiter.admit("GET", "/a", None) is None
    refused = limiter.admit("GET", "/a", None)
    assert refused is not None
    assert refused.reason == "jira-burst-based"
    assert limiter.admit("GET", "/b", None) is None  # per endpoint
    clock.advance(0.5)
    assert limiter.admit("GET", "/a", None) is None


def test_per_issue_write_windows() -> None:
    clock = ManualClock()
    limits = RateLimits(put_per_second=1000, issue_writes=((3, 2.0), (5, 30.0)))
    limiter = RateLimiter(limits, clock)
    for _ in range(3):
        assert limiter.admit("PUT", "/issue", "10000") is None
    refused = limiter.admit("PUT", "/issue", "10000")
    assert refused is not None
    assert (refused.reason, refused.limit, refused.retry_after) == (
        "jira-per-issue-on-write",
        3,
        2.0,
    )
    assert limiter.admit("PUT", "/issue", "10001") is None
    assert limiter.admit("GET", "/issue", "10000") is None
    clock.advance(2.0)
    assert limiter.admit("PUT", "/issue", "10000") is None
    assert limiter.admit("PUT", "/issue", "10000") is None
    long_window = limiter.admit("PUT", "/issue", "10000")
    assert long_window is not None
    assert long_window.limit == 5


async def test_429_carries_jira_headers(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    running = await start_site(clock=clock, rate_limits=RateLimits(get_per_second=3))
    jira = Jira(session, running.base_url)
    answers = [await jira.get("/rest/api/3/myself") for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["RateLimit-Reason"] == "jira-burst-based"
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"].endswith("Z")
    assert refused.body["errorMessages"]
    clock.advance(1.0)
    assert (await jira.get("/rest/api/3/myself")).status == 200


async def test_per_issue_writes_over_http(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    running = await start_site(clock=clock, rate_limits=RateLimits())
    jira = Jira(session, running.base_url)
    key = await jira.create()
    statuses = [
        (await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": f"S{n}"}})).status
        for n in range(21)
    ]
    assert statuses == [204] * 20 + [429]
    other = await jira.create("Another")
    assert (await jira.put(f"{ISSUE}/{other}", {"fields": {"summary": "x"}})).status == 204


async def test_rate_limits_switch_at_runtime(jira: Jira, site: RunningSite) -> None:
    async with jira.session.put(
        f"{site.base_url}/_emulator/rate-limits", json={"get_per_second": 1}
    ) as answer:
        assert answer.status == 200
    statuses = [(await jira.get("/rest/api/3/myself")).status for _ in range(3)]
    assert 429 in statuses
    site.emulator.rate_limits = None
    assert (await jira.get("/rest/api/3/myself")).status == 200


async def test_server_errors_at_a_seeded_rate(jira: Jira, site: RunningSite) -> None:
    site.emulator.faults = Faults(seed=7, error_rate=0.3)
    first = [(await jira.get("/rest/api/3/serverInfo")).status for _ in range(40)]
    site.emulator.faults = Faults(seed=7, error_rate=0.3)
    second = [(await jira.get("/rest/api/3/serverInfo")).status for _ in range(40)]
    assert first == second
    errors = [status for status in first if status != 200]
    assert 4 <= len(errors) <= 20
    assert all(status >= 500 for status in errors)


async def test_conflicts_on_edit_change_nothing(jira: Jira, site: RunningSite) -> None:
    key = await jira.create("Before")
    site.emulator.faults = Faults(conflict_rate=1.0)
    answer = await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": "After"}})
    assert answer.status == 409
    assert site.emulator.issues[key].fields["summary"] == "Before"
    assert (await jira.get(f"{ISSUE}/{key}")).status == 200  # only edits conflict


async def test_latency_is_added(jira: Jira, site: RunningSite) -> None:
    site.emulator.faults = Faults(latency=0.15, latency_jitter=0.05)
    began = time.monotonic()
    assert (await jira.get("/rest/api/3/myself")).status == 200
    assert 0.15 <= time.monotonic() - began < 1.0


async def test_a_timed_out_create_still_happened(jira: Jira, site: RunningSite) -> None:
    site.emulator.faults = Faults(timeout_rate=1.0, timeout_hold=5.0)
    body = {"fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": "T"}}
    with pytest.raises(asyncio.TimeoutError):
        await jira.post(ISSUE, body, give_up_after=0.2)
    assert list(site.emulator.issues) == ["PROJ1-1"]  # a blind retry would duplicate it
