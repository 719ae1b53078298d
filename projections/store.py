"""The projection-store port, and the in-memory store (tests, and a model of the contract).

Contract (``tests/projections/test_store_contract.py`` runs it against every store):

- ``write`` stores an item only when it is newer (higher ``version``) than the stored
  one, so a redelivered or replayed state never moves an item backwards; the totals move
  in the same atomic step;
- ``list_by_state`` pages through one state, newest ``updated_at`` first, with opaque
  cursors; a page has a ``next_cursor`` exactly when more items follow;
- ``get`` finds a pair by ``pair_id``, ``find_by_sync_id`` by its display id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from projections.cursor import Position, decode_cursor, encode_cursor
from projections.fold import plan
from projections.model import Head, PairItem, Totals, stamp
from streams.state import PairStatus

MAX_PAGE = 100


class StoreUnavailable(Exception):
    """The store did not answer or refused the request; the caller may retry."""


class StoreRefused(StoreUnavailable):
    """The store refused the request for a reason retrying alone will not fix (no such
    table, no permission, a request it cannot take): an operator has to act."""


@dataclass(frozen=True)
class Page:
    items: tuple[PairItem, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class WriteResult:
    applied: int
    stale: int


class ProjectionStore(Protocol):
    async def ensure(self) -> None:
        """Create the table (and its indexes) when absent."""

    async def recreate(self) -> None:
        """Drop every item and the totals: start empty."""

    async def write(self, items: Sequence[PairItem]) -> WriteResult:
        """Store the newest of ``items`` per pair, unless the stored one is as new."""

    async def get(self, pair_id: str) -> PairItem | None: ...

    async def find_by_sync_id(self, sync_id: str) -> PairItem | None:
        """The pair shown as ``sync_id``; the most recently updated if several are."""

    async def list_by_state(
        self, state: PairStatus, limit: int, cursor: str | None = None
    ) -> Page: ...

    async def totals(self) -> Totals: ...

    async def close(self) -> None: ...


def page_position(item: PairItem) -> Position:
    return Position(item.state, item.pair_id, stamp(item.updated_at))


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}")


class MemoryStore:
    """The whole contract in a dict; ``writes`` records every batch it was given."""

    def __init__(self) -> None:
        self._items: dict[str, PairItem] = {}
        self._totals = Totals()
        self.writes: list[tuple[PairItem, ...]] = []

    async def ensure(self) -> None:
        return None

    async def recreate(self) -> None:
        self._items.clear()
        self._totals = Totals()

    async def write(self, items: Sequence[PairItem]) -> WriteResult:
        self.writes.append(tuple(items))
        heads = {
            pair_id: Head(version=item.version, state=item.state, connection=item.connection)
            for pair_id, item in self._items.items()
        }
        planned = plan(heads, self._totals, items)
        for write in planned.writes:
            self._items[write.item.pair_id] = write.item
        self._totals = planned.totals
        return WriteResult(len(planned.writes), planned.stale)

    async def get(self, pair_id: str) -> PairItem | None:
        return self._items.get(pair_id)

    async def find_by_sync_id(self, sync_id: str) -> PairItem | None:
        found = [item for item in self._items.values() if item.sync_id == sync_id]
        return max(found, key=lambda item: (item.updated_at, item.pair_id), default=None)

    async def list_by_state(self, state: PairStatus, limit: int, cursor: str | None = None) -> Page:
        check_limit(limit)
        after = decode_cursor(cursor, state) if cursor is not None else None
        ordered = sorted(
            (item for item in self._items.values() if item.state == state),
            key=lambda item: (stamp(item.updated_at), item.pair_id),
            reverse=True,
        )
        if after is not None:
            ordered = [i for i in ordered if (stamp(i.updated_at), i.pair_id) < _key(after)]
        page = tuple(ordered[:limit])
        more = len(ordered) > limit
        return Page(page, encode_cursor(page_position(page[-1])) if more else None)

    async def totals(self) -> Totals:
        return self._totals

    async def close(self) -> None:
        return None


def _key(position: Position) -> tuple[str, str]:
    return (position.updated_at, position.pair_id)
