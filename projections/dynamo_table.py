"""The DynamoDB table of the projections: its client, its schema, create and delete.

Layout: partition key ``pair_id`` (string), on-demand billing, and two global secondary
indexes: ``by-state`` (``state`` + ``updated_at``, all attributes) lists the pairs of one
state newest first; ``by-sync-id`` (``sync_id``, keys only) finds a pair by its display id.
The totals item (``pair_id = "#totals"``) has neither attribute, so no index holds it.
Blocking calls: run them in a thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WaiterConfigTypeDef

STATE_INDEX = "by-state"
SYNC_ID_INDEX = "by-sync-id"
WAIT: WaiterConfigTypeDef = {"Delay": 1, "MaxAttempts": 300}
STRING_ATTRIBUTES = ("pair_id", "state", "updated_at", "sync_id")


class SchemaMismatch(Exception):
    """The table exists but was not created by the projections (other key or indexes)."""


# The projections' client: patient retries, a pool for the writes that run side by side.
PROJECTIONS = Config(
    retries={"max_attempts": 8, "mode": "standard"},
    connect_timeout=5,
    read_timeout=20,
    max_pool_connections=16,
)


def dynamodb_client(
    endpoint_url: str | None, region: str, config: Config = PROJECTIONS
) -> DynamoDBClient:
    """A client from boto3's standard credential chain; DynamoDB Local needs none (it gets
    dummy credentials when the chain has none)."""
    session = boto3.session.Session(region_name=region)
    local = endpoint_url is not None and session.get_credentials() is None
    return session.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        config=config,
        aws_access_key_id="local" if local else None,
        aws_secret_access_key="local" if local else None,
    )


def table_definition(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pair_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": "S"} for attribute in STRING_ATTRIBUTES
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": STATE_INDEX,
                "KeySchema": [
                    {"AttributeName": "state", "KeyType": "HASH"},
                    {"AttributeName": "updated_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": SYNC_ID_INDEX,
                "KeySchema": [{"AttributeName": "sync_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    }


def ensure_table(client: DynamoDBClient, name: str) -> bool:
    """Create the table when absent and wait until it is active; True when created."""
    try:
        client.create_table(**table_definition(name))
        created = True
    except ClientError as error:
        if _code(error) != "ResourceInUseException":
            raise
        created = False
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig=WAIT)
    if not created:
        check_schema(client, name)
    return created


def check_schema(client: DynamoDBClient, name: str) -> None:
    table = client.describe_table(TableName=name)["Table"]
    keys = [(key["AttributeName"], key["KeyType"]) for key in table.get("KeySchema", [])]
    indexes = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    if keys != [("pair_id", "HASH")] or not {STATE_INDEX, SYNC_ID_INDEX} <= indexes:
        raise SchemaMismatch(
            f"DynamoDB table {name!r} exists with another key or without the indexes "
            f"{STATE_INDEX!r}/{SYNC_ID_INDEX!r}; choose another DYNAMODB_TABLE, or recreate "
            "it with: jira-sync replay --projections"
        )


def delete_table(client: DynamoDBClient, name: str) -> bool:
    """Delete the table and wait until it is gone; False when there was none."""
    try:
        client.delete_table(TableName=name)
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        return False
    client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAIT)
    return True


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
