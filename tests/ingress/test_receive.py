"""The pure delivery check: headers + raw body + secret + time -> record or typed error."""

from __future__ import annotations

import json

import pytest

from ingress.receive import BadSignature, NotAWebhook, NotJson, receive
from streams.jira.signature import sign
from streams.records import content_webhook_id
from streams.wire import decode_event
from tests.ingress.conftest import NOW, SECRET, sample, signed


def webhook(event: str = "jira:issue_created", **extra: object) -> bytes:
    document = {"timestamp": 1700000000000, "webhookEvent": event, "issue": {"id": "10040"}}
    return json.dumps({**document, **extra}).encode()


def test_published_check_value_is_accepted() -> None:
    expected = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    assert sign(b"Hello World!", SECRET) == expected
    with pytest.raises(NotJson):
        receive(1, {"X-Hub-Signature": expected}, b"Hello World!", SECRET, NOW)


def test_a_signed_sample_becomes_its_envelope() -> None:
    body = sample("webhook-issue-created.json")
    headers = signed(body, identifier="e3b0c442-98fc", retry=2)
    delivery = receive(2, headers, body, SECRET, NOW)
    assert delivery.value == body  # what JIRA signed, byte for byte
    envelope = decode_event(delivery.value, delivery.headers)
    assert (envelope.site, envelope.webhook_id, envelope.retry) == (2, "e3b0c442-98fc", 2)
    assert envelope.received_at == NOW
    assert envelope.event_type == "jira:issue_created"
    assert envelope.payload == json.loads(body)
    assert (delivery.key, delivery.synced) == (b"10040", True)


def test_header_names_are_case_insensitive() -> None:
    body = webhook()
    headers = {"x-hub-signature": sign(body, SECRET), "x-atlassian-webhook-identifier": "abc"}
    assert receive(1, headers, body, SECRET, NOW).webhook_id == "abc"


@pytest.mark.parametrize("identifier", [None, "", "   ", "x" * 201, "caf\u00e9"])
def test_without_a_usable_identifier_the_id_is_a_content_hash(identifier: str | None) -> None:
    body = webhook()
    delivery = receive(1, signed(body, identifier=identifier), body, SECRET, NOW)
    assert delivery.webhook_id == content_webhook_id(1, body)


@pytest.mark.parametrize(("given", "count"), [("3", 3), (" 1 ", 1), ("-1", 0), ("x", 0), ("", 0)])
def test_retry_count_is_read_leniently(given: str, count: int) -> None:
    body = webhook()
    headers = {**signed(body), "X-Atlassian-Webhook-Retry": given}
    assert receive(1, headers, body, SECRET, NOW).stamp.retry == count


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing X-Hub-Signature header"),
        ("", "missing X-Hub-Signature header"),
        ("md5=abc", "must look like sha256=<hex>"),
        ("sha256=", "must look like sha256=<hex>"),
        ("sha256=\u00e9\u00e9", "must look like sha256=<hex>"),
        (sign(b"other body", SECRET), "does not match the body"),
        (sign(webhook(), "another secret"), "does not match the body"),
    ],
)
def test_bad_signatures_are_refused(header: str | None, reason: str) -> None:
    headers = {} if header is None else {"X-Hub-Signature": header}
    with pytest.raises(BadSignature, match=reason):
        receive(1, headers, webhook(), SECRET, NOW)


def test_the_signature_is_checked_before_the_body_is_parsed() -> None:
    with pytest.raises(BadSignature):
        receive(1, {"X-Hub-Signature": "sha256=00"}, b"not json at all", SECRET, NOW)


def test_no_secret_means_no_verification() -> None:
    assert receive(1, {}, webhook(), None, NOW).synced


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"\xff\xfe\x00", b'{"timestamp": NaN}', b"[" * 100_000 + b"]" * 100_000],
)
def test_bodies_that_are_not_json(body: bytes) -> None:
    with pytest.raises(NotJson, match="body is not JSON"):
        receive(1, signed(body), body, SECRET, NOW)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[]", "a JIRA webhook body is a JSON object"),
        (b'"text"', "a JIRA webhook body is a JSON object"),
        (b'{"timestamp": 1}', "'webhookEvent' is missing"),
        (b'{"webhookEvent": "jira:issue_created"}', "'timestamp' is missing"),
        (b'{"webhookEvent": "jira:issue_created", "timestamp": 1}', "names no issue"),
        (b'{"webhookEvent": "", "timestamp": 1}', "webhookEvent"),
    ],
)
def test_json_that_is_not_a_webhook_names_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(NotAWebhook, match=reason):
        receive(1, signed(body), body, SECRET, NOW)


def test_kinds_the_sync_does_not_use_are_valid_but_not_synced() -> None:
    body = webhook("issuelink_created", issueLink={"id": "1"})
    delivery = receive(1, signed(body, identifier="w-1"), body, SECRET, NOW)
    assert (delivery.synced, delivery.key) == (False, b"10040")
    without_issue = json.dumps({"timestamp": 1, "webhookEvent": "project_created"}).encode()
    delivery = receive(1, signed(without_issue, identifier="p-1"), without_issue, SECRET, NOW)
    assert (delivery.synced, delivery.key) == (False, b"p-1")


def test_a_worklog_event_is_keyed_by_its_worklogs_issue_id() -> None:
    document = {"timestamp": 1, "webhookEvent": "worklog_updated"}
    body = json.dumps({**document, "worklog": {"id": "7", "issueId": "10041"}}).encode()
    delivery = receive(1, signed(body, identifier="w-2"), body, SECRET, NOW)
    assert (delivery.synced, delivery.key) == (True, b"10041")


def test_lone_surrogate_escapes_are_replaced_not_refused() -> None:
    body = webhook(comment_text="broken \\ud83d emoji").replace(b"\\\\", b"\\")
    delivery = receive(1, signed(body), body, SECRET, NOW)
    assert delivery.value == body
    envelope = decode_event(delivery.value, delivery.headers)
    assert envelope.payload["comment_text"] == "broken \ufffd\ufffd\ufffd emoji"
