"""The status endpoint on the in-memory store: keys, codes, counts, pages, lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from projections.app import create_app
from projections.console_views import Overview, overview
from projections.context import StatusOptions
from projections.fold import project
from projections.kafka import TopicLag
from projections.store import MemoryStore, StoreUnavailable
from streams.state import PairStatus
from tests.projections.conftest import API_KEY, make_settings, pair_state

Client = TestClient[web.Request, web.Application]
KEY = {"X-API-Key": API_KEY}


async def fake_lag() -> list[TopicLag]:
    return [TopicLag("jira-sync-test.sync-state", {0: 2, 1: 0})]


@pytest.fixture
async def memory() -> MemoryStore:
    store = MemoryStore()
    states = [pair_state(n, status=PairStatus.CONFLICTED) for n in range(1, 6)]
    states += [pair_state(n, version=2, status=PairStatus.FAILED) for n in range(6, 8)]
    states += [pair_state(8)]
    await store.write([project(state) for state in states])
    return store


async def _client(store: Any, **settings: Any) -> Client:
    options = StatusOptions(table="t", group="jira-sync-test.projections")
    app = create_app(make_settings(**settings), store, fake_lag, options=options)
    return TestClient(TestServer(app))


@pytest.fixture
async def client(memory: MemoryStore) -> AsyncIterator[Client]:
    async with await _client(memory) as client:
        yield client


async def test_health_is_open(client: Client) -> None:
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/status", "/syncs?state=failed", "/syncs/1:10001", "/nope"])
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}])
async def test_everything_else_needs_the_key(
    client: Client, path: str, headers: dict[str, str]
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "unauthorized"
    assert "X-API-Key" in body["reason"]


async def test_without_a_configured_key_the_api_is_closed(memory: MemoryStore) -> None:
    async with await _client(memory, management_api_key=None) as client:
        response = await client.get("/status", headers=KEY)
        assert response.status == 401
        assert "MANAGEMENT_API_KEY is not set" in (await response.json())["reason"]


async def test_status_shows_counts_lag_and_last_events(client: Client) -> None:
    response = await client.get("/status", headers=KEY)
    assert response.status == 200
    body = await response.json()
    assert body["counts"] == {
        "pending": 0,
        "synced": 1,
        "conflicted": 5,
        "failed": 2,
        "orphaned": 0,
        "unreachable": 0,
        "skipped": 0,
    }
    assert body["total"] == 8
    assert body["last_event"] == {
        "site1": "2026-01-02T03:12:06.000000Z",
        "site2": "2026-01-02T03:11:36.000000Z",
    }
    lag = body["consumer"]["lag"]["jira-sync-test.sync-state"]
    assert lag == {"total": 2, "partitions": {"0": 2, "1": 0}}
    assert body["consumer"]["group"] == "jira-sync-test.projections"
    assert body["status"] == "ok"


async def test_listing_pages_through_a_state(client: Client) -> None:
    seen: list[str] = []
    url = "/syncs?state=conflicted&limit=2"
    for _ in range(3):
        response = await client.get(url, headers=KEY)
        assert response.status == 200
        body = await response.json()
        assert body["state"] == "conflicted"
        seen += [item["sync_id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        url = f"/syncs?state=conflicted&limit=2&cursor={body['next_cursor']}"
    assert seen == [f"PROJ1-{n}#PROJ2-{n}" for n in range(5, 0, -1)]
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "state is required"),
        ("?state=bogus", "state must be one of"),
        ("?state=failed&limit=500", "limit must be a whole number from 1 to 100"),
        ("?state=failed&sort=asc", "unknown query parameter(s): sort"),
        ("?state=failed&cursor=garbage", "cursor is not one this service issued"),
    ],
)
async def test_bad_parameters_answer_400_naming_the_problem(
    client: Client, query: str, reason: str
) -> None:
    response = await client.get(f"/syncs{query}", headers=KEY)
    assert response.status == 400
    body = await response.json()
    assert body["error"] == "bad_request"
    assert reason in body["reason"]


async def test_a_cursor_of_another_state_is_refused(client: Client) -> None:
    first = await (await client.get("/syncs?state=conflicted&limit=1", headers=KEY)).json()
    response = await client.get(f"/syncs?state=failed&cursor={first['next_cursor']}", headers=KEY)
    assert response.status == 400
    assert "belongs to state 'conflicted'" in (await response.json())["reason"]


@pytest.mark.parametrize("ident", ["1:10006", "PROJ1-6%23PROJ2-6"])
async def test_one_pair_by_pair_id_or_sync_id(client: Client, ident: str) -> None:
    response = await client.get(f"/syncs/{ident}", headers=KEY)
    assert response.status == 200
    body = await response.json()
    assert (body["pair_id"], body["sync_id"], body["state"]) == (
        "1:10006",
        "PROJ1-6#PROJ2-6",
        "failed",
    )
    assert body["last_error"]["reason"] == "400 field not on screen"


async def test_an_unknown_pair_is_404(client: Client) -> None:
    response = await client.get("/syncs/PROJ1-404%23PROJ2-404", headers=KEY)
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"
    response = await client.get("/syncs/" + "x" * 600, headers=KEY)
    assert response.status == 400


class DownStore(MemoryStore):
    async def totals(self) -> Any:
        raise StoreUnavailable("DynamoDB table 't': could not connect")


async def test_a_store_that_is_down_answers_503() -> None:
    async with await _client(DownStore()) as client:
        response = await client.get("/status", headers=KEY)
        assert response.status == 503
        assert response.headers["Retry-After"] == "5"
        assert (await response.json())["error"] == "unavailable"


async def test_status_counts_pairs_by_connection_and_the_console_shows_them() -> None:
    store = MemoryStore()
    states = [pair_state(1, connection="acme"), pair_state(2, connection="acme")]
    states += [pair_state(3, status=PairStatus.CONFLICTED, connection="globex")]
    await store.write([project(state) for state in states])
    async with await _client(store) as client:
        body = await (await client.get("/status", headers=KEY)).json()
    assert body["connections"] == {
        "acme": {"counts": {"synced": 2}, "total": 2},
        "globex": {"counts": {"conflicted": 1}, "total": 1},
    }
    page = overview(Overview(await store.totals(), [], None, []), "csrf")
    assert "Pairs by connection" in page
    assert "<td>acme</td><td>0</td><td>2</td>" in page  # pending 0, synced 2
    single = MemoryStore()
    await single.write([project(pair_state(1))])
    assert "Pairs by connection" not in overview(Overview(await single.totals(), [], None, []), "c")
