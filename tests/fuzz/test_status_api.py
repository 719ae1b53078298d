"""Fuzzing the projections' status API (``projections/routes.py``) on the in-memory store.

Query strings with known, unknown and repeated parameters, states and limits right and
wrong, cursors the service issued (for the right state or another), altered ones and
invented ones; pair ids and sync ids that exist or not, too long, unicode, with encoded
slashes and '#'; odd methods and paths; API keys right, wrong or missing. The pure
``api_key_refusal``, ``parse_list_query`` and ``decode_cursor`` are the oracle: same
status, same reason; a page holds only its state, newest first, at most ``limit`` items.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import MultiDict
from pydantic import SecretStr

from projections.app import create_app
from projections.context import StatusOptions
from projections.cursor import InvalidCursor, decode_cursor
from projections.fold import project
from projections.http import BadRequest, parse_list_query
from projections.routes import MAX_ID_CHARS
from projections.store import MemoryStore
from streams.httpapi import api_key_refusal
from streams.state import PairStatus
from tests.fuzz.http import Answer, Request, Served, batch_settings, refused_by_parser, serve
from tests.fuzz.strategies import METHODS, extra_headers, mostly, odd_paths, percent, pick, texts
from tests.projections.conftest import API_KEY, make_settings, pair_state

QUOTA = 2000  # requests this module must have sent (the fuzz suite's total is >= 10,000)
BATCH = 25
PAIRS = 60
STATES = [state.value for state in PairStatus]
KEYS = mostly(st.just(API_KEY), st.sampled_from([None, "", "nope", API_KEY + "x"]))
LIMITS = mostly(
    st.integers(1, 100).map(str),
    st.sampled_from(["0", "101", "-1", "1e2", " 5", "\u0663", "", "20.0", "99999999999999999999"]),
)
STATE_NAMES = mostly(st.sampled_from(STATES), st.sampled_from(["SYNCED", "all", "", " synced"]))
PARAMETERS = st.sampled_from(["state", "limit", "cursor"]) | texts


invented_cursors = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        ["state", "pair_id", "updated_at", "extra"], st.sampled_from(STATES) | texts | st.integers()
    ),
).map(lambda document: base64.urlsafe_b64encode(json.dumps(document).encode()).decode())


@st.composite
def cursors(draw: st.DrawFn, issued: tuple[str, ...]) -> str:
    """A cursor the service issued (for any state), one altered, or one invented."""
    roll = draw(st.integers(0, 3))
    if roll == 0:
        return str(draw(invented_cursors | texts))
    cursor = pick(draw, issued)
    if roll == 1:
        return cursor
    at = draw(st.integers(0, len(cursor)))
    return (
        cursor[:at] + draw(st.sampled_from(["", "A", "=", "%", "~", "\u00e9"])) + cursor[at + 1 :]
    )


@dataclass(frozen=True)
class Spec:
    method: str
    path: str  # percent-encoded
    query: tuple[tuple[str, str], ...]  # decoded
    key: str | None
    extra: tuple[tuple[str, str], ...]

    def request(self) -> Request:
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.query)
        headers = (("X-API-Key", self.key),) if self.key is not None else ()
        path = f"{self.path}?{query}" if query else self.path
        return Request(self.method, path, headers + self.extra)


def idents(pairs: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    known = st.sampled_from(pairs).flatmap(lambda pair: st.sampled_from(pair))
    unknown = st.sampled_from(
        ["1:99999", "PROJ1-999#PROJ2-999", "#", "1:", "x" * (MAX_ID_CHARS + 1)]
    )
    return mostly(known, unknown | texts | st.builds("{}/{}".format, texts, texts))


@st.composite
def specs(draw: st.DrawFn, pairs: list[tuple[str, str]], issued: tuple[str, ...]) -> Spec:
    roll = draw(st.integers(0, 19))
    method = "GET" if roll < 18 else pick(draw, METHODS)
    query: list[tuple[str, str]] = []
    if roll < 9:
        path = "/syncs"
        query.append(("state", draw(STATE_NAMES)))
        if draw(st.booleans()):
            query.append(("limit", draw(LIMITS)))
        if draw(st.booleans()):
            query.append(("cursor", draw(cursors(issued))))
        if draw(st.integers(0, 5)) == 0:
            query.append((draw(PARAMETERS), draw(texts)))
        query = draw(st.permutations(query))
    elif roll < 15:
        path = "/syncs/" + percent(draw(idents(pairs)))
    elif roll < 17:
        path = pick(draw, ("/status", "/health"))
    else:
        path = draw(odd_paths(("/status", "/syncs", "/syncs/1:10001", "/health")))
    extra = tuple(draw(extra_headers)) if draw(st.integers(0, 5)) == 0 else ()
    return Spec(method, path, tuple(query), draw(KEYS), extra)


def oracle(spec: Spec, known: frozenset[str]) -> tuple[int, str | None] | None:
    """Status and reason the pure functions give, for the status API's own paths."""
    if spec.path == "/health":
        return (200, None) if spec.method in ("GET", "HEAD") else (405, None)
    ident = _ident(spec.path)
    if spec.path not in ("/status", "/syncs") and ident is None:
        return None
    refused = api_key_refusal(spec.key, SecretStr(API_KEY), "status API")
    if refused is not None:
        return 401, refused
    if spec.method not in ("GET", "HEAD"):
        return 405, None
    if spec.path == "/syncs":
        return _list(spec)
    if ident is None:
        return 200, None
    if len(ident) > MAX_ID_CHARS:
        return 400, f"sync id is longer than {MAX_ID_CHARS} characters"
    return (200, None) if ident in known else (404, None)


def _ident(path: str) -> str | None:
    """The decoded id of a ``/syncs/{id}`` path (one segment, non-empty), else None."""
    rest = path.removeprefix("/syncs/")
    if rest == path or not rest or any(c in rest for c in "/?#"):  # "#": a fragment, not sent
        return None
    return unquote(rest, errors="strict")


def _list(spec: Spec) -> tuple[int, str | None]:
    try:
        query = parse_list_query(MultiDict(spec.query), 20)
        if query.cursor is not None:
            decode_cursor(query.cursor, query.state)
    except (BadRequest, InvalidCursor) as error:
        return 400, str(error)
    return 200, None


def check(answer: Answer, spec: Spec, known: frozenset[str]) -> None:
    expected = oracle(spec, known)
    if expected is None:
        return
    status, reason = expected
    assert answer.status == status, f"expected {status}: {answer.explain()}"
    if answer.request.method == "HEAD" or refused_by_parser(answer):
        return  # no body, or aiohttp's parser refused a line too long (plain text, no app)
    document = answer.json()
    if reason is not None:
        assert document["reason"] == reason, answer.explain()
    if status == 200 and spec.path == "/syncs":
        check_page(document, dict(spec.query))


def check_page(page: dict[str, Any], query: dict[str, str]) -> None:
    items = page["items"]
    assert all(item["state"] == query["state"] for item in items), page
    assert len(items) <= int(query.get("limit", "20")), page
    stamps = [(item["updated_at"], item["pair_id"]) for item in items]
    assert stamps == sorted(stamps, reverse=True), page


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    store = MemoryStore()
    states = [
        pair_state(number, status=list(PairStatus)[number % len(PairStatus)], minutes=number % 7)
        for number in range(1, PAIRS + 1)
    ]
    asyncio.run(store.write([project(state) for state in states]))
    return store


async def listed(store: MemoryStore) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """The (pair id, sync id) of every item, and every cursor the store gives when paging
    each state 1, 2 or 3 items at a time."""
    pairs: list[tuple[str, str]] = []
    issued: list[str] = []
    for state in PairStatus:
        pairs += [(i.pair_id, i.sync_id) for i in (await store.list_by_state(state, 100)).items]
        for limit in (1, 2, 3):
            cursor = None
            while True:
                page = await store.list_by_state(state, limit, cursor)
                if page.next_cursor is None:
                    break
                issued.append(cursor := page.next_cursor)
    return pairs, tuple(issued)


@pytest.fixture(scope="module")
def served(store: MemoryStore) -> Iterator[Served]:
    options = StatusOptions(table="fuzz", group="jira-sync-test.projections")
    with serve(create_app(make_settings(), store, options=options)) as running:
        yield running


def test_generated_status_requests_get_the_answer_of_the_pure_checks(
    served: Served, store: MemoryStore
) -> None:
    pairs, issued = asyncio.run(listed(store))
    assert len(pairs) == PAIRS
    known = frozenset(ident for pair in pairs for ident in pair)

    @batch_settings(QUOTA // BATCH + 5)
    @given(st.lists(specs(pairs, issued), min_size=BATCH, max_size=BATCH))
    def batch(specs: list[Spec]) -> None:
        answers = served.send([spec.request() for spec in specs])
        for answer, spec in zip(answers, specs, strict=True):
            check(answer, spec, known)

    batch()
    assert served.sent >= QUOTA, f"only {served.sent} requests were sent: {served.statuses}"
    assert {200, 400, 401, 404, 405} <= set(served.statuses), served.statuses
