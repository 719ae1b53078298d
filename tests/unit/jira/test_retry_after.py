"""``Retry-After`` is capped and non-finite values are refused (issue 16, item 10c)."""

from __future__ import annotations

import math

import pytest
from multidict import CIMultiDict

from streams.jira.errors import MAX_RETRY_AFTER, RateLimited, error_for, retry_after_seconds
from streams.jira.transport import RetryPolicy, _retry_after
from streams.sync.retrying import Backoff


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("1e9", MAX_RETRY_AFTER),
        ("86400", MAX_RETRY_AFTER),
        ("inf", None),
        ("-inf", None),
        ("nan", None),
        ("Infinity", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
        ("", None),
    ],
)
def test_the_header_is_read_as_bounded_seconds(header: str, seconds: float | None) -> None:
    assert _retry_after(CIMultiDict({"Retry-After": header})) == seconds


def test_an_error_never_carries_an_unbounded_wait() -> None:
    error = error_for("GET", "/x", 429, None, math.inf)
    assert isinstance(error, RateLimited)
    assert error.retry_after is None
    assert error_for("GET", "/x", 503, None, 1e12).retry_after == MAX_RETRY_AFTER  # type: ignore[attr-defined]
    assert retry_after_seconds(math.nan) is None


def test_the_transport_backoff_never_waits_longer_than_the_cap() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert policy.delay(1, math.inf) == 2.0  # refused: the ordinary backoff
    assert policy.delay(1, 1e9) == MAX_RETRY_AFTER


def test_the_retry_topic_backoff_caps_retry_after() -> None:
    backoff = Backoff(first=2.0, cap=60.0)
    assert backoff.delay(1, 1e9) == 60.0
    assert backoff.delay(1, math.inf) <= 2.0
    assert backoff.delay(1, math.nan) <= 2.0
