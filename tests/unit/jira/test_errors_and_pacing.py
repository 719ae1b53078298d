"""Error classification and the client-side limiter (pure, with a fake clock)."""

from __future__ import annotations

import pytest

from streams.jira.errors import (
    BadRequest,
    ConflictingUpdate,
    Forbidden,
    Gone,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    error_for,
)
from streams.jira.ratelimit import SiteLimiter
from streams.jira.transport import RetryPolicy


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (429, RateLimited, True),
        (409, ConflictingUpdate, True),
        (500, ServerError, True),
        (503, ServerError, True),
        (400, BadRequest, False),
        (401, Unauthorized, False),
        (403, Forbidden, False),
        (404, NotFound, False),
        (410, Gone, False),
    ],
)
def test_status_codes_map_to_error_classes(status: int, kind: type, retryable: bool) -> None:
    error = error_for("PUT", "/rest/api/3/issue/A-1", status, {"errorMessages": ["nope"]}, 3.0)
    assert type(error) is kind
    assert error.retryable is retryable
    assert "nope" in str(error)


def test_bad_request_names_fields_not_on_screen() -> None:
    body = {
        "errorMessages": [],
        "errors": {
            "customfield_10050": (
                "Field 'customfield_10050' cannot be set. "
                "It is not on the appropriate screen, or unknown."
            ),
            "summary": "You must specify a summary of the issue.",
        },
    }
    error = error_for("PUT", "/rest/api/3/issue/A-1", 400, body, None)
    assert isinstance(error, BadRequest)
    assert error.fields_not_on_screen == ["customfield_10050"]
    assert "You must specify a summary" in str(error)


def test_rate_limited_carries_retry_after() -> None:
    error = error_for("GET", "/x", 429, None, 7.0)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_backoff_grows_caps_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=30.0, jitter=0.0)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 30, 30]
    assert policy.delay(1, 12.0) == 12.0
    jittered = RetryPolicy(jitter=0.5)
    assert all(12.0 <= jittered.delay(1, 12.0) <= 18.0 for _ in range(50))


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_limiter_paces_each_method_at_its_rate() -> None:
    time = FakeTime()
    limiter = SiteLimiter({"PUT": 10.0}, share=1.0, clock=time.clock, sleep=time.sleep)
    for _ in range(25):
        await limiter.acquire("PUT")
    # a burst of 10 (the bucket), then one every 0.1 s
    assert time.now == pytest.approx(101.5)
    await limiter.acquire("GET")  # not limited here: no bucket for GET
    assert time.now == pytest.approx(101.5)


async def test_pause_after_429_holds_every_caller() -> None:
    time = FakeTime()
    limiter = SiteLimiter({"GET": 100.0}, clock=time.clock, sleep=time.sleep)
    limiter.pause(5.0)
    await limiter.acquire("GET")
    assert time.now == pytest.approx(105.0)
