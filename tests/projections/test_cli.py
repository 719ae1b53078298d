"""``jira-sync replay`` and ``jira-sync projections`` from the command line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import aiohttp
import pytest
from click.testing import CliRunner

from jira_sync.cli import main
from tests.projections.conftest import API_KEY, dynamo_client, eventually, scan_table

NO_ENV_FILE = ["--env-file", "/nonexistent/.env"]


def test_replay_without_a_target_says_what_is_supported() -> None:
    result = CliRunner().invoke(main, ["replay", *NO_ENV_FILE])
    assert result.exit_code == 2
    assert "say what to replay" in result.output
    assert "--projections" in result.output


def test_replay_asks_before_deleting_the_table() -> None:
    args = ["replay", "--projections", *NO_ENV_FILE]
    result = CliRunner().invoke(main, args, input="n\n", env={"DYNAMODB_TABLE": "asked-about"})
    assert result.exit_code == 1
    assert "Delete DynamoDB table 'asked-about'" in result.output
    assert "Aborted" in result.output


def test_both_commands_are_listed() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "projections" in result.output
    assert "replay" in result.output


@pytest.mark.integration
def test_replay_of_a_missing_topic_deletes_nothing(
    kafka_bootstrap: str, dynamodb_endpoint: str, dynamo_table: str
) -> None:
    client = dynamo_client(dynamodb_endpoint)
    client.create_table(
        TableName=dynamo_table,
        KeySchema=[{"AttributeName": "pair_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pair_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=dynamo_table, Item={"pair_id": {"S": "keep-me"}})
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"{dynamo_table}-typo",
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "DYNAMODB_TABLE": dynamo_table,
    }
    args = ["replay", "--projections", "--yes", *NO_ENV_FILE]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1
    assert "MissingTopic" in result.output
    assert "-typo.sync-state' does not exist" in result.output
    assert scan_table(client, dynamo_table) == [{"pair_id": {"S": "keep-me"}}]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.integration
async def test_the_projections_process_serves_and_stops_cleanly_on_sigterm(
    kafka_bootstrap: str, dynamodb_endpoint: str, dynamo_table: str
) -> None:
    port = free_port()
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": dynamo_table,
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "DYNAMODB_TABLE": dynamo_table,
        "MANAGEMENT_API_KEY": API_KEY,
        "STATUS_PORT": str(port),
    }
    command = [sys.executable, "-m", "jira_sync", "projections", *NO_ENV_FILE]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            await eventually(lambda: _running(http), what="status endpoint running")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"projections stopped" in stderr


async def _running(http: aiohttp.ClientSession) -> bool:
    try:
        async with http.get("/status", headers={"X-API-Key": API_KEY}) as response:
            body = await response.json()
    except aiohttp.ClientError:
        return False
    return response.status == 200 and body["consumer"]["running"] is True
