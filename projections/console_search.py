"""What the console reads from the store beyond one page: the overview and the search.

The store indexes pairs by pair id, by sync id and by state (newest first); it has no
index by issue key. A search by issue key therefore pages through every state, newest
first, up to ``SEARCH_PAGES`` pages of each, and says how many pairs it looked at; the
oldest unfinished pair of a state is likewise looked for in its newest ``OLDEST_PAGES``.
"""

from __future__ import annotations

from aiohttp import web

from projections import context as ctx
from projections.console_views import UNFINISHED, Oldest, Overview
from projections.model import STATES, PairItem
from projections.routes import find, lag_of
from projections.store import MAX_PAGE, ProjectionStore
from streams.commands import ISSUE_KEY_PATTERN
from streams.state import PairStatus

SEARCH_PAGES = 10
OLDEST_PAGES = 5


async def overview_of(app: web.Application) -> Overview:
    store = app[ctx.STORE]
    totals = await store.totals()
    lag, lag_error = await lag_of(app)
    oldest = [await oldest_of(store, PairStatus(state)) for state in UNFINISHED]
    return Overview(totals, lag, lag_error, oldest)


async def oldest_of(store: ProjectionStore, state: PairStatus) -> Oldest:
    cursor: str | None = None
    last: PairItem | None = None
    for _ in range(OLDEST_PAGES):
        page = await store.list_by_state(state, MAX_PAGE, cursor)
        last = page.items[-1] if page.items else last
        cursor = page.next_cursor
        if cursor is None:
            return Oldest(state.value, last, True)
    return Oldest(state.value, last, False)


def matches(item: PairItem, issue_key: str) -> bool:
    keys = {side.key.upper() for side in (item.site1, item.site2) if side is not None}
    return issue_key.upper() in keys


async def search_pairs(
    store: ProjectionStore, query: str, limit: int
) -> tuple[list[PairItem], int]:
    """Pairs for a pair id, a sync id or an issue key; and how many pairs were looked at."""
    if not query:
        return [], 0
    direct = await find(store, query)
    if direct is not None:
        return [direct], 1
    if not ISSUE_KEY_PATTERN.fullmatch(query.upper()):
        return [], 1
    found: list[PairItem] = []
    looked_at = 0
    for state in STATES:
        cursor: str | None = None
        for _ in range(SEARCH_PAGES):
            page = await store.list_by_state(state, MAX_PAGE, cursor)
            looked_at += len(page.items)
            found += [item for item in page.items if matches(item, query)]
            cursor = page.next_cursor
            if cursor is None or len(found) >= limit:
                break
    return found[:limit], looked_at
