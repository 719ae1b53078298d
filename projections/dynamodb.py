"""The DynamoDB projection store: persists the plans of ``projections.fold``.

A batch is written in chunks; each chunk is one ``TransactWriteItems``: every pair item
conditional on the version read just before (or on being absent), plus the totals item
conditional on its ``version_sum``. A chunk that loses a race (another writer moved an
item or the totals) is read and planned again. boto3 blocks, so every call runs in a
worker thread (``asyncio.to_thread``); the event loop never waits on DynamoDB.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from projections import dynamo_codec as codec
from projections.cursor import decode_cursor, encode_cursor
from projections.dynamo_table import (
    STATE_INDEX,
    SYNC_ID_INDEX,
    delete_table,
    ensure_table,
)
from projections.fold import Plan, Write, newest, plan
from projections.model import Head, PairItem, Totals
from projections.store import (
    Page,
    StoreRefused,
    StoreUnavailable,
    WriteResult,
    check_limit,
    page_position,
)
from streams.state import PairStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_CHUNK_ITEMS = 25  # a transaction takes at most 100 actions and 4 MB
MAX_CHUNK_BYTES = 2_000_000
RACE_ATTEMPTS = 8
LOST_RACE = frozenset({"None", "ConditionalCheckFailed", "TransactionConflict"})
HEAD_NAMES = {
    "#p": "pair_id",
    "#v": "version",
    "#s": "state",
    "#c": "counts",
    "#n": "connection",
    "#b": "by_connection",
}
HEAD_PROJECTION = "#p, #v, #s, #c, #n, #b, last_synced_at, last_updated_at, version_sum"
T = TypeVar("T")


class WriteConflict(Exception):
    """Other writers kept winning the race for the same items; the batch is retried."""


class DynamoStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    @property
    def table(self) -> str:
        return self._table

    async def ensure(self) -> None:
        await self._run(ensure_table, self._client, self._table)

    async def recreate(self) -> None:
        await self._run(delete_table, self._client, self._table)
        await self._run(ensure_table, self._client, self._table)

    async def write(self, items: Sequence[PairItem]) -> WriteResult:
        applied = 0
        for chunk in chunks(newest(items)):
            applied += await self._run(self._write_chunk, chunk)
        return WriteResult(applied, len(items) - applied)

    async def get(self, pair_id: str) -> PairItem | None:
        if pair_id == codec.TOTALS_KEY:
            return None
        return await self._run(self._get, pair_id)

    async def find_by_sync_id(self, sync_id: str) -> PairItem | None:
        return await self._run(self._find_by_sync_id, sync_id)

    async def list_by_state(self, state: PairStatus, limit: int, cursor: str | None = None) -> Page:
        check_limit(limit)
        start = decode_cursor(cursor, state).as_key() if cursor is not None else None
        return await self._run(self._list, state, limit, start)

    async def totals(self) -> Totals:
        return await self._run(self._totals)

    async def close(self) -> None:
        await self._run(self._client.close)

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        """``call`` in a worker thread; DynamoDB's errors become ``StoreUnavailable``."""
        try:
            return await asyncio.to_thread(call, *args)
        except (BotoCoreError, ClientError) as error:
            kind = StoreRefused if refused(error) else StoreUnavailable
            raise kind(f"DynamoDB table {self._table!r}: {error}") from error

    def _write_chunk(self, chunk: Sequence[PairItem]) -> int:
        for attempt in range(RACE_ATTEMPTS):
            heads, totals = self._read_heads([item.pair_id for item in chunk])
            planned = plan(heads, totals, chunk)
            if not planned.writes:
                return 0
            try:
                self._client.transact_write_items(TransactItems=self._actions(planned, totals))
            except ClientError as error:
                if not lost_race(error):
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            return len(planned.writes)
        raise WriteConflict(f"{len(chunk)} item(s) lost {RACE_ATTEMPTS} races in a row")

    def _read_heads(self, pair_ids: list[str]) -> tuple[dict[str, Head], Totals]:
        keys = [codec.key_of(pair_id) for pair_id in [*pair_ids, codec.TOTALS_KEY]]
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                "ConsistentRead": True,
                "ProjectionExpression": HEAD_PROJECTION,
                "ExpressionAttributeNames": HEAD_NAMES,
            }
        }
        heads: dict[str, Head] = {}
        totals: dict[str, Any] | None = None
        for attributes in self._batch_get(request):
            pair_id = attributes["pair_id"]["S"]
            if pair_id == codec.TOTALS_KEY:
                totals = attributes
            else:
                heads[pair_id] = codec.decode_head(attributes)
        return heads, codec.decode_totals(totals)

    def _batch_get(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Every requested item; unprocessed keys (throttling) are asked again, backing off."""
        found: list[dict[str, Any]] = []
        for attempt in range(RACE_ATTEMPTS):
            answer = self._client.batch_get_item(RequestItems=request)
            found += answer.get("Responses", {}).get(self._table, [])
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                return found
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise StoreUnavailable(f"DynamoDB left keys unprocessed {RACE_ATTEMPTS} times (throttled)")

    def _actions(self, planned: Plan, before: Totals) -> list[Any]:
        puts = [self._put(write) for write in planned.writes]
        totals = {
            "TableName": self._table,
            "Item": codec.encode_totals(planned.totals),
            "ConditionExpression": "attribute_not_exists(pair_id) OR version_sum = :sum",
            "ExpressionAttributeValues": {":sum": {"N": str(before.version_sum)}},
        }
        return [*puts, {"Put": totals}]

    def _put(self, write: Write) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": codec.encode_item(write.item)}
        if write.expected is None:
            put["ConditionExpression"] = "attribute_not_exists(pair_id)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(write.expected.version)}}
        return {"Put": put}

    def _get(self, pair_id: str) -> PairItem | None:
        answer = self._client.get_item(
            TableName=self._table, Key=codec.key_of(pair_id), ConsistentRead=True
        )
        attributes = answer.get("Item")
        return codec.decode_item(attributes) if attributes else None

    def _find_by_sync_id(self, sync_id: str) -> PairItem | None:
        answer = self._client.query(
            TableName=self._table,
            IndexName=SYNC_ID_INDEX,
            KeyConditionExpression="sync_id = :id",
            ExpressionAttributeValues={":id": {"S": sync_id}},
        )
        found = [self._get(key["pair_id"]["S"]) for key in answer.get("Items", [])]
        items = [item for item in found if item is not None]
        return max(items, key=lambda item: (item.updated_at, item.pair_id), default=None)

    def _list(self, state: PairStatus, limit: int, start: dict[str, str] | None) -> Page:
        """Read ``limit + 1`` items (DynamoDB pages end at 1 MB) to know if more follow."""
        items: list[PairItem] = []
        start_key = codec.to_attributes(start) if start is not None else None
        while len(items) <= limit:
            query = self._state_query(state, limit + 1 - len(items))
            if start_key is not None:
                query["ExclusiveStartKey"] = start_key
            answer = self._client.query(**query)
            items += [codec.decode_item(found) for found in answer.get("Items", [])]
            start_key = answer.get("LastEvaluatedKey")
            if not start_key:
                break
        page = tuple(items[:limit])
        more = len(items) > limit
        return Page(page, encode_cursor(page_position(page[-1])) if more else None)

    def _state_query(self, state: PairStatus, limit: int) -> dict[str, Any]:
        """Newest first in the state index."""
        return {
            "TableName": self._table,
            "IndexName": STATE_INDEX,
            "KeyConditionExpression": "#s = :state",
            "ExpressionAttributeNames": {"#s": "state"},
            "ExpressionAttributeValues": {":state": {"S": state.value}},
            "ScanIndexForward": False,
            "Limit": limit,
        }

    def _totals(self) -> Totals:
        answer = self._client.get_item(
            TableName=self._table, Key=codec.key_of(codec.TOTALS_KEY), ConsistentRead=True
        )
        return codec.decode_totals(answer.get("Item"))


# DynamoDB's error codes that the same request will meet again until someone acts
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html):
# throttling, 5xx and transaction conflicts are left to retry.
REFUSALS = frozenset(
    {
        "AccessDeniedException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "ResourceNotFoundException",
        "UnrecognizedClientException",
        "ValidationException",
        "ItemCollectionSizeLimitExceededException",
    }
)


def refused(error: Exception) -> bool:
    """A DynamoDB answer that retrying will not change (see ``REFUSALS``)."""
    if not isinstance(error, ClientError):
        return False
    return error.response.get("Error", {}).get("Code") in REFUSALS


def lost_race(error: ClientError) -> bool:
    """A transaction cancelled only because another writer got there first."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons: list[Any] = list(error.response.get("CancellationReasons", []))
    return bool(reasons) and all(reason.get("Code") in LOST_RACE for reason in reasons)


def chunks(items: Sequence[PairItem]) -> Iterator[list[PairItem]]:
    """Groups small enough for one transaction."""
    chunk: list[PairItem] = []
    size = 0
    for item in items:
        item_size = len(item.model_dump_json())
        if chunk and (len(chunk) >= MAX_CHUNK_ITEMS or size + item_size > MAX_CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk
