"""The projector without a broker: decode, write, then commit; bad records are skipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.consumer import Projector
from projections.fold import project
from projections.store import MemoryStore
from streams.state import PairStatus
from tests.projections.conftest import pair_state


@dataclass(frozen=True)
class FakeRecord:
    topic: str
    partition: int
    offset: int
    value: bytes | None


class FakeConsumer:
    """Records commits, and what the store held at the time of each."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.commits: list[tuple[dict[Any, int], int]] = []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(self, *partitions: Any, timeout_ms: int, max_records: int) -> Any:
        return {}

    async def commit(self, offsets: Any = None) -> None:
        self.commits.append((dict(offsets), len(self.store.writes)))


async def test_a_batch_is_written_before_its_offsets_are_committed() -> None:
    store = MemoryStore()
    consumer = FakeConsumer(store)
    projector = Projector(lambda: consumer, store)
    await projector.start()
    good = pair_state(1, version=2, status=PairStatus.FAILED)
    batches = {
        ("t", 0): [FakeRecord("t", 0, 7, good.to_bytes()), FakeRecord("t", 0, 8, b"{not json")],
        ("t", 1): [FakeRecord("t", 1, 3, None), FakeRecord("t", 1, 4, b'{"pair_id": "x"}')],
    }
    result = await projector.handle(batches)
    assert (result.applied, result.stale) == (1, 0)
    assert await store.get(good.pair_id) == project(good)
    assert consumer.commits == [({("t", 0): 9, ("t", 1): 5}, 1)]  # after the one write
    stats = projector.stats.as_json()
    assert (stats["records"], stats["applied"], stats["rejected"]) == (4, 1, 2)


async def test_a_batch_of_only_bad_records_is_committed_without_a_write() -> None:
    store = MemoryStore()
    consumer = FakeConsumer(store)
    projector = Projector(lambda: consumer, store)
    await projector.start()
    await projector.handle({("t", 0): [FakeRecord("t", 0, 0, b"\xff")]})
    assert store.writes == []
    assert consumer.commits == [({("t", 0): 1}, 0)]
