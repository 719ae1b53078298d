"""``POST /webhook/jira{1,2}`` over HTTP, on the in-memory publisher."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest

from ingress.app import MissingSecret, create_app
from ingress.context import IngressOptions
from ingress.publisher import MemoryPublisher
from streams.topics import Topics
from streams.wire import decode_event
from tests.ingress.conftest import Harness, MakeHarness, make_settings, sample, signed

TOPICS = Topics("jira-sync-test")


async def test_a_signed_webhook_is_published_keyed_by_issue_and_answered_202(
    harness: Harness,
) -> None:
    body = sample("webhook-issue-updated-labels.json")
    response = await harness.client.post(
        "/webhook/jira2", data=body, headers=signed(body, identifier="d-1", retry=1)
    )
    assert response.status == 202
    assert await response.json() == {"status": "accepted", "webhook_id": "d-1"}
    [record] = harness.publisher.records
    assert (record.topic, record.key) == (TOPICS.events(2), b"10040")
    envelope = decode_event(record.value, record.headers)
    assert (envelope.site, envelope.webhook_id, envelope.retry) == (2, "d-1", 1)
    assert envelope.payload == json.loads(body)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing X-Hub-Signature header"),
        ({"X-Hub-Signature": "sha256=" + "ab" * 32}, "X-Hub-Signature does not match the body"),
        ({"X-Hub-Signature": "sha256=abcd"}, "X-Hub-Signature must look like sha256=<hex>"),
        ({"X-Hub-Signature": "nonsense"}, "X-Hub-Signature must look like sha256=<hex>"),
    ],
)
async def test_missing_or_wrong_signature_is_401_and_nothing_is_published(
    harness: Harness, headers: dict[str, str], reason: str
) -> None:
    response = await harness.client.post("/webhook/jira1", data=sample(), headers=headers)
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized", "reason": reason}
    assert harness.publisher.records == []


async def test_a_signature_made_for_the_other_site_is_refused(make_harness: MakeHarness) -> None:
    harness = await make_harness(
        make_settings(webhook_secret=None, webhook_secret_1="one", webhook_secret_2="two")
    )
    body = sample()
    refused = await harness.client.post("/webhook/jira1", data=body, headers=signed(body, "two"))
    accepted = await harness.client.post("/webhook/jira2", data=body, headers=signed(body, "two"))
    assert (refused.status, accepted.status) == (401, 202)


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        (b"{not json", "not_json", "body is not JSON: Expecting property name"),
        (b'{"hello": "world"}', "not_a_webhook", "not a JIRA webhook: 'webhookEvent' is missing"),
    ],
)
async def test_bodies_that_are_not_webhooks_are_400_with_the_reason(
    harness: Harness, body: bytes, error: str, reason: str
) -> None:
    response = await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == error
    assert answer["reason"].startswith(reason)
    assert harness.publisher.records == []


async def test_a_body_over_the_limit_is_413(make_harness: MakeHarness) -> None:
    harness = await make_harness(options=IngressOptions(max_body_bytes=1000))
    body = sample()
    assert len(body) > 1000
    response = await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 413
    assert (await response.json())["error"] == "too_large"
    small = json.dumps({"webhookEvent": "jira:issue_deleted", "timestamp": 1, "issue": {"id": "7"}})
    response = await harness.client.post(
        "/webhook/jira1", data=small, headers=signed(small.encode())
    )
    assert response.status == 202


async def test_a_body_over_the_limit_without_content_length_is_413(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(options=IngressOptions(max_body_bytes=1000))
    body = sample()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = await harness.client.post("/webhook/jira1", data=chunks(), headers=signed(body))
    assert response.status == 413
    assert harness.publisher.records == []


async def test_kinds_the_sync_does_not_use_go_to_the_audit_topic_with_202(harness: Harness) -> None:
    body = json.dumps(
        {"timestamp": 1, "webhookEvent": "issuelink_created", "issueLink": {"id": "10040"}}
    ).encode()
    response = await harness.client.post(
        "/webhook/jira1", data=body, headers=signed(body, identifier="wl-1")
    )
    assert response.status == 202
    assert (await response.json())["status"] == "ignored"
    [record] = harness.publisher.records
    assert (record.topic, record.key) == (TOPICS.ignored_events, b"wl-1")


async def test_broker_unavailable_is_503_with_retry_after(make_harness: MakeHarness) -> None:
    publisher = MemoryPublisher()
    publisher.available = False
    harness = await make_harness(options=IngressOptions(retry_after=42), publisher=publisher)
    body = sample()
    response = await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 503
    assert response.headers["Retry-After"] == "42"
    assert await response.json() == {"error": "unavailable", "reason": "broker unavailable"}


async def test_slow_broker_is_503_and_the_retry_is_published_once(
    make_harness: MakeHarness,
) -> None:
    publisher = MemoryPublisher()
    publisher.gate = asyncio.Event()
    harness = await make_harness(options=IngressOptions(publish_timeout=0.05), publisher=publisher)
    body = sample()
    first = await harness.client.post(
        "/webhook/jira1", data=body, headers=signed(body, identifier="d-9")
    )
    assert first.status == 503
    publisher.gate.set()
    retry = await harness.client.post(
        "/webhook/jira1", data=body, headers=signed(body, identifier="d-9", retry=1)
    )
    assert retry.status == 202
    assert (await retry.json())["status"] in {"accepted", "duplicate"}
    assert len(harness.publisher.records) == 1


async def test_a_record_too_large_for_the_broker_is_413(make_harness: MakeHarness) -> None:
    harness = await make_harness(publisher=MemoryPublisher(max_bytes=100))
    body = sample()
    response = await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 413


async def test_unknown_paths_and_methods_answer_json(harness: Harness) -> None:
    missing = await harness.client.post("/webhook/jira3", data=b"{}")
    wrong_method = await harness.client.get("/webhook/jira1")
    assert (missing.status, wrong_method.status) == (404, 405)
    assert (await missing.json())["error"] == "not_found"
    assert (await wrong_method.json())["error"] == "method_not_allowed"


def test_no_secret_refuses_to_build_the_app() -> None:
    settings = make_settings(webhook_secret=None, webhook_secret_1="only-site-1")
    with pytest.raises(MissingSecret, match="WEBHOOK_SECRET_2"):
        create_app(settings, MemoryPublisher())


async def test_insecure_mode_accepts_unsigned_webhooks_and_warns_on_start(
    make_harness: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(webhook_secret=None, webhook_secret_1="s1")
    with caplog.at_level(logging.WARNING, logger="ingress"):
        harness = await make_harness(settings, IngressOptions(insecure=True))
    assert any("INSECURE" in r.message and "jira2" in r.message for r in caplog.records)
    body = sample()
    unsigned_2 = await harness.client.post("/webhook/jira2", data=body)
    unsigned_1 = await harness.client.post("/webhook/jira1", data=body)
    assert (unsigned_2.status, unsigned_1.status) == (202, 401)
