"""The client-side limiter keeps JIRA Cloud's books: a bucket per endpoint and method, the
per-issue write windows, and pauses only what a 429 names (pure, with a still clock: a
reservation's wait is what a caller would sleep)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from streams.jira.ratelimit import SiteLimiter, endpoint, issue_of

ISSUE = "/rest/api/3/issue/ABC-1"
OTHER = "/rest/api/3/issue/ABC-2"
COMMENTS = "/rest/api/3/issue/ABC-1/comment"


class Still:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Still, **kwargs: object) -> SiteLimiter:
    return SiteLimiter(clock=clock, wall=lambda: clock.now, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/rest/api/3/issue/ABC-1", "/rest/api/3/issue/{}"),
        ("/rest/api/3/issue/10001", "/rest/api/3/issue/{}"),
        ("/rest/api/3/issue/ABC-1/comment/10200", "/rest/api/3/issue/{}/comment/{}"),
        ("/rest/api/3/issue/ABC-1/properties/jira-sync.link", "/rest/api/3/issue/{}/properties/{}"),
        ("/rest/api/3/issue/ABC-1/transitions", "/rest/api/3/issue/{}/transitions"),
        ("/rest/api/3/issue", "/rest/api/3/issue"),
        ("/rest/api/3/issue/createmeta", "/rest/api/3/issue/createmeta"),
        ("/rest/api/3/search/jql", "/rest/api/3/search/jql"),
        ("/rest/api/3/project/ABC/statuses", "/rest/api/3/project/{}/statuses"),
    ],
)
def test_endpoints_are_routes_without_their_ids(path: str, shape: str) -> None:
    assert endpoint(path) == shape


def test_only_writes_to_one_issue_count_against_it() -> None:
    assert issue_of("PUT", ISSUE) == "ABC-1"
    assert issue_of("POST", COMMENTS) == "ABC-1"
    assert issue_of("GET", ISSUE) is None
    assert issue_of("POST", "/rest/api/3/issue") is None  # a create
    assert issue_of("POST", "/rest/api/3/issue/bulk") is None


def test_each_endpoint_and_method_has_its_own_bucket() -> None:
    clock = Still()
    limits = limiter(clock, issue_writes=())
    waits = [limits.reserve("GET", f"/rest/api/3/issue/ABC-{n}") for n in range(1, 96)]
    assert max(waits) == 0.0  # 95 of JIRA's 100 per second, in one burst
    assert limits.reserve("GET", ISSUE) == pytest.approx(1 / 95)  # the 96th waits
    assert limits.reserve("GET", COMMENTS) == 0.0  # GET comment: another bucket
    assert limits.reserve("PUT", ISSUE) == 0.0  # PUT issue: another bucket


def test_a_waiting_call_holds_no_other_bucket() -> None:
    clock, slept = Still(), []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0.05)  # a long wait, in real time

    limits = SiteLimiter({"PUT": 1.0}, share=1.0, clock=clock, sleep=sleep, issue_writes=())

    async def scenario() -> list[str]:
        done: list[str] = []

        async def call(method: str, path: str) -> None:
            await limits.acquire(method, path)
            done.append(method)

        await limits.acquire("PUT", ISSUE)  # the bucket is empty now
        await asyncio.gather(call("PUT", ISSUE), call("GET", ISSUE))
        return done

    assert asyncio.run(scenario()) == ["GET", "PUT"]  # the GET did not queue behind the PUT
    assert slept == [pytest.approx(1.0)]


def test_a_burst_429_pauses_its_bucket_only() -> None:
    clock = Still()
    limits = limiter(clock)
    limits.answered("GET", ISSUE, 429, {"Retry-After": "5", "RateLimit-Reason": "jira-burst-based"})
    # the same endpoint: after the pause, and the bucket fills again only from then
    assert limits.reserve("GET", OTHER) == pytest.approx(5.0 + 1 / 95)
    assert limits.reserve("GET", COMMENTS) == 0.0
    assert limits.reserve("PUT", ISSUE) == 0.0
    clock.now += 5.0
    assert limits.reserve("GET", ISSUE) == pytest.approx(2 / 95)


def test_a_per_issue_429_pauses_that_issues_writes_only() -> None:
    clock = Still()
    limits = limiter(clock)
    headers = {"Retry-After": "3", "RateLimit-Reason": "jira-per-issue-on-write"}
    limits.answered("PUT", ISSUE, 429, headers)
    assert limits.reserve("PUT", ISSUE) == pytest.approx(3.0)
    assert limits.reserve("POST", COMMENTS) == pytest.approx(3.0)  # a write to the same issue
    assert limits.reserve("PUT", OTHER) == 0.0
    assert limits.reserve("GET", ISSUE) == 0.0  # reads do not count


def test_writes_to_one_issue_keep_both_windows() -> None:
    clock = Still()
    limits = limiter(clock, rates={})  # no bursts: only the per-issue windows
    first = [limits.reserve("PUT", ISSUE) for _ in range(19)]
    assert max(first) == 0.0  # 19 of JIRA's 20 per 2 s
    assert limits.reserve("PUT", ISSUE) == pytest.approx(2.0)
    assert limits.reserve("PUT", OTHER) == 0.0
    clock.now += 2.0
    # 95 of JIRA's 100 per 30 s: the writes reserved so far count, in 2 s slices of 19
    waits = [limits.reserve("PUT", ISSUE) for _ in range(75)]
    assert max(waits) <= 30.0
    assert limits.reserve("PUT", ISSUE) >= 28.0  # the 96th within 30 s of the first waits


def test_an_empty_bucket_said_by_jira_pauses_it_until_the_reset() -> None:
    clock = Still()
    limits = limiter(clock)
    reset = datetime.fromtimestamp(clock.now + 4.0, UTC).isoformat()
    limits.answered("GET", ISSUE, 200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    assert limits.reserve("GET", OTHER) == pytest.approx(4.0 + 1 / 95, abs=0.01)
    limits.answered("GET", COMMENTS, 200, {"X-RateLimit-Remaining": "7"})
    assert limits.reserve("GET", COMMENTS) == 0.0


def test_a_429_that_says_no_wait_still_pauses_its_bucket_a_moment() -> None:
    clock = Still()
    limits = limiter(clock)
    limits.answered("POST", "/rest/api/3/search/jql", 429, {})
    assert limits.reserve("POST", "/rest/api/3/search/jql") == pytest.approx(1.0 + 1 / 95)


def test_a_429_whose_reset_has_passed_by_our_clock_still_pauses_its_bucket() -> None:
    clock = Still()
    limits = limiter(clock)
    past = datetime.fromtimestamp(clock.now - 3.0, UTC).isoformat()  # clocks apart
    limits.answered("GET", ISSUE, 429, {"X-RateLimit-Reset": past})
    assert limits.reserve("GET", ISSUE) >= 1.0


def test_a_call_that_waits_again_after_a_pause_gives_its_first_place_back() -> None:
    clock, limits_box = Still(), []

    async def sleep(seconds: float) -> None:
        if clock.now == 1000.0:  # while the call waits, a 429 pauses its bucket 4 s
            limits_box[0].answered("PUT", OTHER, 429, {"Retry-After": "4"})
        clock.now += seconds

    limits = SiteLimiter({"PUT": 1.0}, share=1.0, clock=clock, sleep=sleep, issue_writes=())
    limits_box.append(limits)
    asyncio.run(limits.acquire("PUT", ISSUE))  # the bucket's one token
    asyncio.run(limits.acquire("PUT", ISSUE))  # waits; the pause moves it past 1004
    assert clock.now == pytest.approx(1005.0)
    # only the call that was sent took a token: the place it gave back is free again
    assert limits.reserve("PUT", ISSUE) == pytest.approx(1.0)


def test_a_429_that_lands_while_a_call_waits_holds_that_call_too() -> None:
    clock, slept = Still(), []
    limits: SiteLimiter

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        if len(slept) == 1:  # while the call waits, another call to its bucket gets a 429
            limits.answered("PUT", OTHER, 429, {"Retry-After": "6"})
        clock.now += seconds

    limits = SiteLimiter({"PUT": 1.0}, share=1.0, clock=clock, sleep=sleep, issue_writes=())
    asyncio.run(limits.acquire("PUT", ISSUE))  # the bucket's one token
    asyncio.run(limits.acquire("PUT", ISSUE))  # waits 1 s; the 429 makes it 6 s from then
    assert slept[0] == pytest.approx(1.0)
    # held until the pause ends and the bucket's next token, not sent at 1001
    assert clock.now == pytest.approx(1007.0)
