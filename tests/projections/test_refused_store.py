"""A DynamoDB refusal that retrying will not fix (no table, no permission) shows on
``/health`` while the projector keeps retrying, instead of a silent retry loop forever
(issue 16, item 10d)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botocore.exceptions import ClientError

from projections.app import create_app
from projections.consumer import Projector, ProjectorOptions
from projections.dynamodb import refused
from projections.model import PairItem
from projections.store import MemoryStore, StoreRefused, StoreUnavailable, WriteResult
from tests.projections.conftest import make_settings, pair_state
from tests.projections.test_projector_units import FakeConsumer, FakeRecord


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "TransactWriteItems")


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("ResourceNotFoundException", True),
        ("AccessDeniedException", True),
        ("UnrecognizedClientException", True),
        ("ValidationException", True),
        ("ProvisionedThroughputExceededException", False),
        ("ThrottlingException", False),
        ("InternalServerError", False),
        ("TransactionCanceledException", False),
    ],
)
def test_refusals_retrying_cannot_fix_are_told_apart(code: str, permanent: bool) -> None:
    assert refused(client_error(code)) is permanent


class RefusingStore(MemoryStore):
    """Refuses writes (as a missing table would) until ``fixed`` is set."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.fixed = asyncio.Event()
        self.refusals = 0

    async def write(self, items: Sequence[PairItem]) -> WriteResult:
        if not self.fixed.is_set():
            self.refusals += 1
            raise self.error
        return await super().write(items)


class OneBatch(FakeConsumer):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.batches = [{("t", 0): [FakeRecord("t", 0, 0, pair_state(1).to_bytes())]}]

    async def getmany(self, *partitions: Any, timeout_ms: int, max_records: int) -> Any:
        await asyncio.sleep(0.01)
        return self.batches.pop() if self.batches else {}


async def eventually(check: Any, within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_a_permanent_refusal_is_on_health_until_the_store_takes_the_write() -> None:
    store = RefusingStore(StoreRefused("DynamoDB table 't': ResourceNotFoundException"))
    consumer = OneBatch(store)
    options = ProjectorOptions(first_retry=0.01, max_retry=0.05)
    projector = Projector(lambda: consumer, store, options)
    app = create_app(make_settings(), store, projector=projector)
    async with TestClient(TestServer(app)) as client:

        async def down() -> bool:
            response = await client.get("/health")
            return response.status == 503

        await eventually(down)
        body = await (await client.get("/health")).json()
        assert body["status"] == "down"
        assert "ResourceNotFoundException" in body["reason"]
        assert store.refusals >= 1
        assert consumer.commits == []  # nothing committed past the unwritten batch

        store.fixed.set()

        async def up() -> bool:
            return (await client.get("/health")).status == 200

        await eventually(up)
        assert [offsets for offsets, _ in consumer.commits] == [{("t", 0): 1}]
        assert projector.stats.refused is None


async def test_a_passing_outage_does_not_mark_health_down() -> None:
    store = RefusingStore(StoreUnavailable("DynamoDB table 't': ThrottlingException"))
    projector = Projector(lambda: OneBatch(store), store, ProjectorOptions(first_retry=0.01))
    await projector.start()
    task = asyncio.ensure_future(projector.run())
    await eventually(lambda: asyncio.sleep(0, store.refusals > 1))
    assert projector.stats.refused is None
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
