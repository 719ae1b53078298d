"""The projection-store contract, run against every store (memory, and DynamoDB Local).

The in-memory store the HTTP tests use can therefore not drift from the real one.
"""

from __future__ import annotations

import asyncio

import pytest

from projections.cursor import InvalidCursor
from projections.dynamo_codec import TOTALS_KEY
from projections.fold import project
from projections.model import PairItem, Totals
from projections.store import Page, ProjectionStore
from streams.state import PairStatus
from tests.projections.conftest import pair_state

SYNCED, CONFLICTED, FAILED = PairStatus.SYNCED, PairStatus.CONFLICTED, PairStatus.FAILED


def item(number: int, version: int = 1, status: PairStatus = SYNCED, **extra: object) -> PairItem:
    return project(pair_state(number, version, status, **extra))  # type: ignore[arg-type]


async def all_pages(store: ProjectionStore, state: PairStatus, limit: int) -> list[Page]:
    pages = [await store.list_by_state(state, limit)]
    while pages[-1].next_cursor is not None:
        pages.append(await store.list_by_state(state, limit, pages[-1].next_cursor))
    return pages


async def test_an_empty_store(store: ProjectionStore) -> None:
    await store.ensure()  # again: a no-op
    assert await store.totals() == Totals()
    assert await store.get("1:10001") is None
    assert await store.find_by_sync_id("PROJ1-1#PROJ2-1") is None
    assert await store.list_by_state(SYNCED, 10) == Page((), None)


async def test_written_items_are_found_by_pair_id_and_by_sync_id(store: ProjectionStore) -> None:
    written = [
        item(1, status=CONFLICTED),
        item(2, status=FAILED),
        item(3, status=PairStatus.PENDING),
    ]
    result = await store.write(written)
    assert (result.applied, result.stale) == (3, 0)
    for expected in written:
        assert await store.get(expected.pair_id) == expected
        assert await store.find_by_sync_id(expected.sync_id) == expected
    assert await store.find_by_sync_id("PROJ1-3#") == written[2]
    assert await store.get(TOTALS_KEY) is None


async def test_redelivered_and_older_versions_never_move_an_item_back(
    store: ProjectionStore,
) -> None:
    await store.write([item(1, version=3, status=CONFLICTED)])
    before = await store.totals()
    result = await store.write([item(1, version=3, status=CONFLICTED), item(1, version=2)])
    assert (result.applied, result.stale) == (0, 2)
    assert await store.get("1:10001") == item(1, version=3, status=CONFLICTED)
    assert await store.totals() == before
    await store.write([item(1, version=1, status=FAILED)])
    assert await store.get("1:10001") == item(1, version=3, status=CONFLICTED)


async def test_a_batch_keeps_the_newest_version_of_each_pair(store: ProjectionStore) -> None:
    batch = [item(1, 2), item(2, 1), item(1, 4, FAILED), item(1, 3), item(2, 2, CONFLICTED)]
    result = await store.write(batch)
    assert (result.applied, result.stale) == (2, 3)
    assert await store.get("1:10001") == item(1, 4, FAILED)
    assert await store.get("1:10002") == item(2, 2, CONFLICTED)


async def test_totals_follow_every_change_of_state(store: ProjectionStore) -> None:
    await store.write([item(n) for n in range(1, 5)])
    await store.write([item(1, 2, CONFLICTED), item(2, 2, FAILED)])
    await store.write([item(1, 3)])
    totals = await store.totals()
    assert totals.counts == {
        PairStatus.PENDING: 0,
        SYNCED: 3,
        CONFLICTED: 0,
        FAILED: 1,
        PairStatus.ORPHANED: 0,
        PairStatus.UNREACHABLE: 0,
        PairStatus.SKIPPED: 0,
    }
    assert totals.version_sum == 3 + 2 + 1 + 1
    newest = item(4)
    assert totals.last_updated_at == newest.updated_at
    assert totals.last_synced_at == newest.last_synced_at


async def test_listing_pages_newest_first_with_a_cursor_only_when_more_follow(
    store: ProjectionStore,
) -> None:
    conflicted = [item(n, status=CONFLICTED) for n in range(1, 8)]
    await store.write([*conflicted, item(20), item(21, status=FAILED)])
    pages = await all_pages(store, CONFLICTED, 3)
    assert [len(page.items) for page in pages] == [3, 3, 1]
    listed = [found for page in pages for found in page.items]
    assert listed == sorted(conflicted, key=lambda i: i.updated_at, reverse=True)
    exact = await all_pages(store, CONFLICTED, 7)
    assert [len(page.items) for page in exact] == [7]
    assert [len(page.items) for page in await all_pages(store, FAILED, 1)] == [1]


async def test_paging_loses_and_repeats_nothing_when_times_are_equal(
    store: ProjectionStore,
) -> None:
    same_time = [item(n, status=FAILED, minutes=0) for n in range(1, 6)]
    await store.write(same_time)
    pages = await all_pages(store, FAILED, 2)
    listed = [found.pair_id for page in pages for found in page.items]
    assert sorted(listed) == sorted(i.pair_id for i in same_time)
    assert len(pages) == 3


async def test_cursors_are_checked(store: ProjectionStore) -> None:
    await store.write([item(n, status=CONFLICTED) for n in range(1, 4)])
    cursor = (await store.list_by_state(CONFLICTED, 1)).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        await store.list_by_state(FAILED, 1, cursor)
    with pytest.raises(InvalidCursor):
        await store.list_by_state(CONFLICTED, 1, cursor[:-4] + "AAAA")
    with pytest.raises(ValueError, match="limit"):
        await store.list_by_state(CONFLICTED, 0)


async def test_the_most_recent_pair_wins_a_shared_sync_id(store: ProjectionStore) -> None:
    older = item(1, minutes=1)
    newer = item(2, minutes=9).model_copy(update={"sync_id": older.sync_id})
    await store.write([older, newer])
    assert await store.find_by_sync_id(older.sync_id) == newer


async def test_recreate_starts_empty(store: ProjectionStore) -> None:
    await store.write([item(1), item(2, status=FAILED)])
    await store.recreate()
    assert await store.totals() == Totals()
    assert await store.get("1:10001") is None
    assert await store.list_by_state(FAILED, 5) == Page((), None)


async def test_concurrent_writers_keep_items_and_totals_consistent(
    store: ProjectionStore,
) -> None:
    states = list(PairStatus)
    batches = [
        [item(n, version, states[(n + version) % 5]) for n in range(1, 9)]
        for version in (3, 1, 5, 2, 4)
    ]
    await asyncio.gather(*(store.write(batch) for batch in batches))
    stored = [await store.get(f"1:{10000 + n}") for n in range(1, 9)]
    assert stored == [item(n, 5, states[(n + 5) % 5]) for n in range(1, 9)]
    totals = await store.totals()
    assert totals.total == 8
    assert totals.version_sum == 8 * 5
    assert totals.counts == {s: sum(1 for i in stored if i and i.state == s) for s in states}


async def test_totals_are_counted_per_connection_too(store: ProjectionStore) -> None:
    """Each pair counts in its own connection's figures; a pair of before connections (no
    name) in ``default``'s; a connection whose last pair left a state loses that state."""
    await store.write([item(1, connection="acme"), item(2, connection="acme"), item(3)])
    await store.write([item(4, connection="globex", status=CONFLICTED)])
    await store.write([item(1, 2, FAILED, connection="acme"), item(4, 2, connection="globex")])
    totals = await store.totals()
    assert totals.by_connection == {
        "acme": {SYNCED: 1, FAILED: 1},
        "default": {SYNCED: 1},
        "globex": {SYNCED: 1},
    }
    assert totals.counts[SYNCED] == 3
    assert sum(sum(tally.values()) for tally in totals.by_connection.values()) == totals.total
