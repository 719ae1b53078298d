"""One partition's items of a ``streams.sync.keyed.KeyedScheduler``, from read to
acknowledged, per assignment (pure): which offsets are done, which may be acknowledged,
which are stranded (left unacknowledged for the partition's next reading), and since when
the oldest unfinished one waits."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class Ledger(Generic[Item]):
    """One partition's items in offset order, from read to acknowledged (pure).

    ``finish`` answers the items that may be acknowledged now: the run of done items at
    the head. After ``revoke`` nothing more is acknowledged past the first item that had
    not started: such items are answered as stranded instead."""

    order: deque[int] = field(default_factory=deque)
    items: dict[int, Item] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)
    cut: int | None = None  # revoked: no acknowledgement from this offset on
    read_at: dict[int, float] = field(default_factory=dict)  # offset: when it was read
    last: int | None = None  # the highest offset added, acknowledged or not

    def __len__(self) -> int:
        return len(self.order)

    def follows(self, offset: int) -> bool:
        """``offset`` comes after every offset this ledger was given: not a read again."""
        return self.last is None or offset > self.last

    def add(self, offset: int, item: Item, read_at: float = 0.0) -> None:
        if not self.follows(offset):
            raise ValueError(f"offset {offset} after {self.last}: not in order")
        self.last = offset
        self.order.append(offset)
        self.items[offset] = item
        self.read_at[offset] = read_at

    def oldest_age(self, now: float) -> float:
        """How long the oldest unfinished item (the head: done items are released from the
        head at once) has been held; 0 with none."""
        return now - self.read_at[self.order[0]] if self.order else 0.0

    def finish(self, offset: int) -> tuple[list[Item], list[Item]]:
        """(acknowledged now, stranded now) once the item at ``offset`` is done."""
        if self.cut is not None and offset >= self.cut:
            return [], [self._drop(offset)]
        self.done.add(offset)
        released = []
        while self.order and self.order[0] in self.done:
            head = self.order.popleft()
            self.done.discard(head)
            del self.read_at[head]
            released.append(self.items.pop(head))
        return released, []

    def revoke(self, not_started: Iterable[int]) -> list[Item]:
        """Nothing more will start; the items stranded now (not started, or done behind
        one that was not). Those still running are answered by ``finish``."""
        dropped = set(not_started) & set(self.order)
        if not dropped:
            return []
        self.cut = min(dropped)
        stranded = [o for o in self.order if o >= self.cut and (o in dropped or o in self.done)]
        return [self._drop(offset) for offset in stranded]

    def abandon(self) -> list[Item]:
        """Nothing more is acknowledged (its items are read again): the items stranded
        now (the done ones); those still running are answered by ``finish``."""
        if not self.order:
            return []
        self.cut = self.order[0] if self.cut is None else min(self.cut, self.order[0])
        return [self._drop(offset) for offset in list(self.order) if offset in self.done]

    def empty(self) -> list[Item]:
        """Every item it holds, taken out (none of them acknowledged)."""
        left = [self._drop(offset) for offset in list(self.order)]
        self.cut = self.last
        return left

    def _drop(self, offset: int) -> Item:
        self.order.remove(offset)
        self.done.discard(offset)
        self.read_at.pop(offset, None)
        return self.items.pop(offset)
