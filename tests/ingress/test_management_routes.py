"""Management API and metrics over HTTP, on the in-memory publisher and fake probes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingress.context import IngressOptions
from ingress.health import Check, Probe
from ingress.publisher import MemoryPublisher
from streams.commands import FullResync, ManualSync, ResolveConflict, parse_command
from streams.topics import Topics
from tests.ingress.conftest import NOW, Harness, MakeHarness, api_key, make_settings, sample, signed

COMMANDS = Topics("jira-sync-test").commands
SEED_MANUAL = {"issue_key": "PROJ1-123", "source_instance": 1}
SEED_RESOLVE = {
    "sync_id": "PROJ1-123#PROJ2-456",
    "resolve_conflict": True,
    "resolution_direction": "jira_1_to_2",
}


def answering(status: str, detail: str = "") -> Probe:
    async def probe() -> Check:
        return Check(status, detail)  # type: ignore[arg-type]

    return probe


async def test_health_is_open_and_cheap(harness: Harness) -> None:
    response = await harness.client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_manual_sync_publishes_the_seed_body_as_a_command(harness: Harness) -> None:
    response = await harness.client.post("/manual-sync", json=SEED_MANUAL, headers=api_key())
    assert response.status == 202
    answer = await response.json()
    assert answer == {
        "status": "accepted",
        "command": "manual_sync",
        "command_id": "cmd-1",
        "key": "PROJ1-123",
        "topic": COMMANDS,
    }
    [record] = harness.publisher.records
    assert (record.topic, record.key) == (COMMANDS, b"PROJ1-123")
    command = parse_command(record.value, "ignored", NOW)
    assert command == ManualSync(
        command_id="cmd-1", issued_at=NOW, issue_key="PROJ1-123", source_instance=1
    )


async def test_resolve_conflict_and_full_resync_bodies_are_commands_too(harness: Harness) -> None:
    first = await harness.client.post("/manual-sync", json=SEED_RESOLVE, headers=api_key())
    second = await harness.client.post(
        "/manual-sync", json={"full_resync": True}, headers=api_key()
    )
    assert (first.status, second.status) == (202, 202)
    resolve, resync = harness.publisher.records
    assert resolve.key == b"PROJ1-123#PROJ2-456"
    assert isinstance(parse_command(resolve.value, "x", NOW), ResolveConflict)
    assert isinstance(parse_command(resync.value, "x", NOW), FullResync)
    assert (await second.json())["command"] == "full_resync"


async def test_a_command_id_given_by_the_client_makes_retries_idempotent(
    harness: Harness,
) -> None:
    body = {**SEED_MANUAL, "command_id": "client-chosen-1"}
    first = await harness.client.post("/manual-sync", json=body, headers=api_key())
    again = await harness.client.post("/manual-sync", json=body, headers=api_key())
    assert [(await r.json())["status"] for r in (first, again)] == ["accepted", "duplicate"]
    [record] = harness.publisher.records
    assert parse_command(record.value, "x", NOW).command_id == "client-chosen-1"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({}, "missing X-API-Key header"), (api_key("wrong"), "wrong X-API-Key")],
)
async def test_management_needs_the_api_key(
    harness: Harness, headers: dict[str, str], reason: str
) -> None:
    for response in (
        await harness.client.post("/manual-sync", json=SEED_MANUAL, headers=headers),
        await harness.client.get("/health/details", headers=headers),
    ):
        assert response.status == 401
        assert await response.json() == {"error": "unauthorized", "reason": reason}
    assert harness.publisher.records == []


async def test_without_a_configured_key_management_is_closed(make_harness: MakeHarness) -> None:
    harness = await make_harness(make_settings(management_api_key=None))
    response = await harness.client.post("/manual-sync", json=SEED_MANUAL, headers=api_key())
    assert response.status == 401
    assert "MANAGEMENT_API_KEY is not set" in (await response.json())["reason"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "body is not JSON"),
        (b"[1]", "a command is a JSON object"),
        (
            b'{"issue_key": "PROJ1-123", "source_instance": 3}',
            "source_instance: Input should be 1 or 2",
        ),
        (b'{"issue_key": "proj-1", "source_instance": 1}', "issue_key: must be an issue key"),
        (b'{"issue_key": "PROJ1-1"}', "source_instance: Field required"),
        (
            b'{"sync_id": "PROJ1-1#PROJ2-2", "resolve_conflict": true}',
            "resolution_direction: Field required",
        ),
        (
            b'{"issue_key": "PROJ1-1", "source_instance": 1, "x": 1}',
            "x: Extra inputs are not permitted",
        ),
        (b'{"hello": 1}', "not a command"),
    ],
)
async def test_an_invalid_command_is_400_naming_the_problem(
    harness: Harness, body: bytes, reason: str
) -> None:
    response = await harness.client.post("/manual-sync", data=body, headers=api_key())
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "invalid_command"
    assert answer["reason"].startswith(reason)
    assert harness.publisher.records == []


async def test_a_command_when_the_broker_is_down_is_503(make_harness: MakeHarness) -> None:
    publisher = MemoryPublisher()
    publisher.available = False
    harness = await make_harness(publisher=publisher)
    response = await harness.client.post("/manual-sync", json=SEED_MANUAL, headers=api_key())
    assert response.status == 503
    assert response.headers["Retry-After"] == "10"


async def test_detailed_health_reports_every_probe(make_harness: MakeHarness) -> None:
    async def hangs() -> Check:
        await asyncio.sleep(10)
        raise AssertionError("not reached")

    async def breaks() -> Check:
        raise ConnectionRefusedError("refused")

    probes = {"kafka": answering("ok", "1 broker(s)"), "jira2": answering("not configured")}
    options = IngressOptions(health_timeout=0.2)
    healthy = await make_harness(options=options, probes=probes)
    response = await healthy.client.get("/health/details", headers=api_key())
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    assert answer["status"] == "ok"
    assert answer["checks"]["kafka"]["detail"] == "1 broker(s)"
    sick = await make_harness(
        options=options, probes={**probes, "dynamodb": hangs, "jira1": breaks}
    )
    response = await sick.client.get("/health/details", headers=api_key())
    assert response.status == 503
    checks = (await response.json())["checks"]
    assert checks["dynamodb"]["status"] == "down"
    assert checks["dynamodb"]["detail"].startswith("no answer within")
    jira1 = dict(checks["jira1"])
    assert 0.0 <= jira1.pop("seconds") < options.health_timeout
    assert jira1 == {"status": "down", "detail": "ConnectionRefusedError: refused"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_requests_by_site_and_outcome(make_harness: MakeHarness) -> None:
    harness = await make_harness()
    other = await make_harness()
    body = sample()
    await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    await harness.client.post("/webhook/jira1", data=body, headers=signed(body, "wrong"))
    await harness.client.post("/webhook/jira2", data=b"{", headers=signed(b"{"))
    response = await harness.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    values = samples(await response.text())
    count = "jira_sync_ingress_webhooks_total"
    assert values[(count, frozenset({("site", "jira1"), ("outcome", "accepted")}))] == 1
    assert values[(count, frozenset({("site", "jira1"), ("outcome", "unauthorized")}))] == 1
    assert values[(count, frozenset({("site", "jira2"), ("outcome", "not_json")}))] == 1
    latency = "jira_sync_ingress_publish_seconds_count"
    assert values[(latency, frozenset({("topic_kind", "events")}))] == 1
    sizes = "jira_sync_ingress_payload_bytes_sum"
    assert values[(sizes, frozenset({("site", "jira1")}))] == 2 * len(body)
    untouched = samples(await (await other.client.get("/metrics")).text())
    assert not any(name == count for name, _ in untouched)
