"""Cursors and query parameters, with no I/O."""

from __future__ import annotations

import base64

import pytest
from multidict import MultiDict

from projections.cursor import InvalidCursor, Position, decode_cursor, encode_cursor
from projections.http import BadRequest, parse_list_query
from streams.httpapi import api_key_refusal
from streams.state import PairStatus

CONFLICTED = PairStatus.CONFLICTED


def test_a_cursor_round_trips_and_is_bound_to_its_state() -> None:
    position = Position(CONFLICTED, "1:10001", "2026-01-02T03:04:05.000000Z")
    cursor = encode_cursor(position)
    assert decode_cursor(cursor, CONFLICTED) == position
    with pytest.raises(InvalidCursor, match="belongs to state 'conflicted', not 'failed'"):
        decode_cursor(cursor, PairStatus.FAILED)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 !!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"state": "conflicted"}').decode(),
        base64.urlsafe_b64encode(
            b'{"state": "conflicted", "pair_id": 7, "updated_at": "x"}'
        ).decode(),
        "x" * 5000,
    ],
)
def test_altered_or_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, CONFLICTED)


def test_list_query_defaults_and_values() -> None:
    query = parse_list_query(MultiDict(state="failed"), 20)
    assert (query.state, query.limit, query.cursor) == (PairStatus.FAILED, 20, None)
    query = parse_list_query(MultiDict(state="conflicted", limit="100", cursor="c"), 20)
    assert (query.state, query.limit, query.cursor) == (CONFLICTED, 100, "c")


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "state is required: one of pending, synced, conflicted, failed, orphaned"),
        ({"state": "broken"}, "state must be one of"),
        ({"state": "failed", "limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"state": "failed", "limit": "101"}, "limit must be"),
        ({"state": "failed", "limit": "ten"}, "limit must be"),
        ({"state": "failed", "limit": "²"}, "limit must be"),
        ({"state": "failed", "page": "2"}, "unknown query parameter(s): page"),
    ],
)
def test_bad_list_queries_name_the_problem(params: dict[str, str], reason: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_list_query(MultiDict(params), 20)
    assert reason in raised.value.reason


def test_a_repeated_parameter_is_refused() -> None:
    with pytest.raises(BadRequest, match="state is given more than once"):
        parse_list_query(MultiDict([("state", "failed"), ("state", "synced")]), 20)


def test_api_key_refusals() -> None:
    from pydantic import SecretStr

    key = SecretStr("k" * 20)
    assert api_key_refusal("k" * 20, key, "status API") is None
    assert api_key_refusal(None, key, "status API") == "missing X-API-Key header"
    assert api_key_refusal("k" * 19, key, "status API") == "wrong X-API-Key"
    assert api_key_refusal("anything", None, "status API") is not None
