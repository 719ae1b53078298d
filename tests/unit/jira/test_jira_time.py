"""``parse_jira_time`` reads JIRA's timestamps exactly as ``strptime`` with JIRA's format
does: the same datetime for what it takes, ValueError for what it refuses."""

from __future__ import annotations

from datetime import datetime

import pytest

from streams.jira.models import parse_jira_time

TAKEN = [
    "2024-01-01T12:00:00.000+0000",
    "2026-12-02T05:44:52.231+0100",
    "2026-12-02T05:44:52.5-0330",
    "2026-02-28T23:59:59.123456+1400",
    "2026-1-2T05:44:52.231+0000",  # one-digit month and day: strptime takes them
    "2026-12-02T05:44:52.231+00:00",  # an offset with a colon: strptime takes it too
    "٢٠٢٦-12-02T05:44:52.231+0000",  # other digits than ASCII: strptime takes them
]
REFUSED = [
    "2026-12-02T05:44:52+0000",  # no fraction
    "2026-13-02T05:44:52.231+0000",
    "2026-02-30T05:44:52.231+0000",
    "2026-12-02T05:44:52.1234567+0000",
    "2026-12-02 05:44:52.231+0000",
    "2026-12-02T05:44:52.231",
]


def strptime(text: str) -> datetime | str:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return "refused"


def parsed(text: str) -> datetime | str | None:
    try:
        return parse_jira_time(text)
    except ValueError:
        return "refused"


@pytest.mark.parametrize("text", TAKEN)
def test_what_strptime_takes_is_read_the_same(text: str) -> None:
    expected = strptime(text)
    assert isinstance(expected, datetime)
    read = parsed(text)
    assert read == expected
    assert isinstance(read, datetime)
    assert read.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", REFUSED)
def test_what_strptime_refuses_is_refused(text: str) -> None:
    assert strptime(text) == "refused"
    assert parsed(text) == "refused"


def test_nothing_is_none() -> None:
    assert parse_jira_time(None) is None
    assert parse_jira_time("") is None
