"""Create a table, write and read an item through boto3 against DynamoDB Local."""

from __future__ import annotations

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_table_item_round_trip_and_conditional_write(
    dynamodb_endpoint: str, unique_name: str
) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client.create_table(
        TableName=unique_name,
        KeySchema=[{"AttributeName": "sync_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sync_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=unique_name)
    try:
        item = {
            "sync_id": {"S": "PROJ1-1#PROJ2-7"},
            "state": {"S": "synced"},
            "version": {"N": "3"},
        }
        client.put_item(TableName=unique_name, Item=item)
        stale = {**item, "version": {"N": "2"}, "state": {"S": "pending"}}
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName=unique_name,
                Item=stale,
                ConditionExpression="attribute_not_exists(sync_id) OR version < :v",
                ExpressionAttributeValues={":v": {"N": "2"}},
            )
        read = client.get_item(
            TableName=unique_name, Key={"sync_id": {"S": "PROJ1-1#PROJ2-7"}}, ConsistentRead=True
        )
        assert read["Item"] == item
    finally:
        client.delete_table(TableName=unique_name)
