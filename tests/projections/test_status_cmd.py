"""``jira-sync status``: the tables it prints, and the command against a real projections
service (Kafka, DynamoDB Local) over HTTP: tables, ``--json``, a wrong key, nothing there."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner, Result

from jira_sync.cli import main
from jira_sync.ops.status_cmd import default_url
from jira_sync.ops.status_view import Snapshot, render, table
from projections.service import ServeOptions, build_app, kafka_options
from streams.settings import Settings
from streams.state import PairFailure, PairStatus
from tests.infra import isolated_settings
from tests.projections.conftest import (
    API_KEY,
    create_topic,
    eventually,
    make_settings,
    pair_state,
    publish,
)

NO_ENV_FILE = ["--env-file", "/nonexistent/.env"]


def snapshot() -> Snapshot:
    status = {
        "status": "ok",
        "table": "jira-sync-state",
        "counts": {"pending": 1, "synced": 7, "conflicted": 1, "failed": 1, "orphaned": 0},
        "total": 10,
        "last_event": {"site1": "2026-01-02T03:04:05.000000Z", "site2": None},
        "consumer": {
            "group": "jira-sync.projections",
            "running": True,
            "lag": {"jira-sync.sync-state": {"total": 3, "partitions": {"0": 3}}},
            "lag_error": None,
        },
    }
    conflict = {
        "sync_id": "PROJ1-1#PROJ2-1",
        "conflicts": [
            {"field": "summary", "detected_at": "2026-01-02T03:04:05.000000Z"},
            {"field": "labels", "detected_at": "2026-01-02T03:00:00.000000Z"},
        ],
    }
    failure = {
        "sync_id": "PROJ1-2#",
        "last_error": {"reason": "400:\n  priority: " + "x" * 200, "attempts": 10, "at": "T"},
    }
    conflicted = {"items": [conflict], "next_cursor": "abc"}
    return Snapshot("http://h:1", status, conflicted, {"items": [failure], "next_cursor": None})


def test_the_tables() -> None:
    text = render(snapshot())
    heading, counts, conflicts, failures = text.split("\n\n")
    assert heading.splitlines() == [
        "http://h:1: ok (table jira-sync-state)",
        "consumer jira-sync.projections: running, lag 3 record(s)",
        "last sync: site 1 2026-01-02T03:04:05.000000Z, site 2 -",
    ]
    assert counts.splitlines() == [
        "STATE        PAIRS",
        "pending          1",
        "synced           7",
        "conflicted       1",
        "failed           1",
        "orphaned         0",
        "unreachable      0",
        "skipped          0",
        "total           10",
    ]
    assert conflicts.splitlines() == [
        "CONFLICTS (newest 1; more: --limit)",
        "SYNC ID          FIELDS           DETECTED",
        "PROJ1-1#PROJ2-1  summary, labels  2026-01-02T03:00:00.000000Z",
        "settle one: jira-sync resolve SYNC_ID --direction jira_1_to_2|jira_2_to_1",
    ]
    header, row, hint = failures.splitlines()[1:]
    assert failures.startswith("FAILURES (1)\n")
    assert header == "SYNC ID   ATTEMPTS  AT  REASON"
    assert row.startswith("PROJ1-2#  10        T   400: priority: xxx")
    assert row.endswith("x…")  # one line, clipped
    assert len(row.split("  T   ", 1)[1]) == 100
    assert hint.startswith("after fixing the cause: jira-sync manual-sync ISSUE_KEY")


def test_empty_lists_say_none() -> None:
    empty = Snapshot("u", {"counts": {}}, {"items": []}, {"items": []})
    text = render(empty)
    assert "CONFLICTS (0)\nnone" in text
    assert "FAILURES (0)\nnone" in text
    assert table(["A", "B"], [["x", "1"]], right=(1,)) == "A  B\nx  1"


def test_the_default_url_never_connects_to_a_wildcard_address() -> None:
    assert default_url(isolated_settings(status_host="0.0.0.0", status_port=9)) == (  # noqa: S104
        "http://127.0.0.1:9"
    )
    assert default_url(isolated_settings(status_host="::1")) == "http://[::1]:8090"


def test_without_a_key_nothing_is_asked() -> None:
    result = CliRunner().invoke(main, ["status", *NO_ENV_FILE], env={"MANAGEMENT_API_KEY": ""})
    assert result.exit_code == 2
    assert "MANAGEMENT_API_KEY is not set" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_nothing_listening_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        main, ["status", "--url", url, *NO_ENV_FILE], env={"MANAGEMENT_API_KEY": API_KEY}
    )
    assert result.exit_code == 1
    assert f"jira-sync status: nothing answers at {url}" in result.output
    assert "is `jira-sync projections` running?" in result.output


# --- against the real service ----------------------------------------------------------


@pytest.fixture
async def service(
    kafka_bootstrap: str, dynamodb_endpoint: str, dynamo_table: str
) -> AsyncIterator[str]:
    settings: Settings = make_settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        dynamodb_endpoint_url=dynamodb_endpoint,
        kafka_topic_prefix=dynamo_table,
        dynamodb_table=dynamo_table,
    )
    topic = kafka_options(settings).topic
    await create_topic(kafka_bootstrap, topic)
    at = datetime(2026, 1, 2, tzinfo=UTC)
    reason = "400 priority: not on the screen"
    failure = PairFailure(reason=reason, retryable=False, attempts=3, at=at)
    states = [pair_state(n) for n in (1, 2)]
    states += [pair_state(n, status=PairStatus.CONFLICTED) for n in (3, 4)]
    states += [pair_state(5, status=PairStatus.FAILED, failure=failure)]
    await publish(kafka_bootstrap, topic, states)
    server = TestServer(build_app(settings, ServeOptions(host="127.0.0.1", port=0)))
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    try:
        await eventually(lambda: _total(url, 5), what="the projections caught up")
        yield url
    finally:
        await server.close()


async def _total(url: str, total: int) -> bool:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/status", headers={"X-API-Key": API_KEY}) as answer,
    ):
        return answer.status == 200 and (await answer.json())["total"] == total


async def status(url: str, *args: str, key: str = API_KEY) -> Result:
    """The CLI in a thread (it runs its own event loop) while the service answers in ours."""
    command = ["status", "--url", url, *args, *NO_ENV_FILE]
    env = {"MANAGEMENT_API_KEY": key}
    return await asyncio.to_thread(CliRunner().invoke, main, command, env=env)


@pytest.mark.integration
async def test_status_of_a_real_service(service: str) -> None:
    result = await status(service)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{service}: ok (table ")
    assert "\nsynced           2\n" in result.output
    assert "\nconflicted       2\n" in result.output
    assert "\nfailed           1\n" in result.output
    assert "\ntotal            5\n" in result.output
    conflicts = result.output.split("CONFLICTS (2)\n", 1)[1].split("\n\n")[0].splitlines()
    assert [row.split()[0] for row in conflicts[1:3]] == ["PROJ1-4#PROJ2-4", "PROJ1-3#PROJ2-3"]
    assert all(row.split()[1] == "summary" for row in conflicts[1:3])
    failures = result.output.split("FAILURES (1)\n", 1)[1].splitlines()
    assert failures[1].split()[:2] == ["PROJ1-5#PROJ2-5", "3"]
    assert failures[1].endswith("400 priority: not on the screen")


@pytest.mark.integration
async def test_status_as_json_and_with_a_wrong_key(service: str) -> None:
    result = await status(service, "--json", "--limit", "1")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["status"]["counts"]["conflicted"] == 2
    assert [item["sync_id"] for item in body["conflicted"]["items"]] == ["PROJ1-4#PROJ2-4"]
    assert body["conflicted"]["next_cursor"] is not None
    assert body["failed"]["items"][0]["last_error"]["attempts"] == 3

    refused = await status(service, key="not-the-key")
    assert refused.exit_code == 1
    assert f"{service}/status refused the key (401: wrong X-API-Key)" in refused.output
