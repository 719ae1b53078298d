"""The webhook model on JIRA's real deliveries, and the signature check value."""

from __future__ import annotations

import csv
import json

import pytest

from streams.jira.signature import SignatureError, sign, verify
from streams.jira.webhooks import WebhookError, parse_webhook
from tests.infra import WEBHOOK_SAMPLES

REFERENCE = WEBHOOK_SAMPLES
MANIFEST = list(csv.DictReader((REFERENCE / "MANIFEST.tsv").open(), delimiter="\t"))


def test_the_manifest_lists_all_64_captured_bodies() -> None:
    assert len(MANIFEST) == 64


@pytest.mark.parametrize("entry", MANIFEST, ids=[row["saved_name"] for row in MANIFEST])
def test_every_captured_body_parses(entry: dict[str, str]) -> None:
    raw = (REFERENCE / entry["saved_name"]).read_bytes()
    webhook = parse_webhook(raw)
    assert webhook.webhook_event == entry["webhookEvent"]
    assert webhook.timestamp > 1_000_000_000_000
    assert webhook.synced
    assert webhook.issue_id is not None
    assert webhook.issue_id.isdigit()
    if entry["changelog_fields"] not in ("-", ""):
        assert webhook.changelog is not None
        fields = {item.field for item in webhook.changelog.items}
        assert fields == set(entry["changelog_fields"].split(","))
    if webhook.webhook_event.startswith("comment_"):
        assert webhook.comment is not None
        assert webhook.comment.id
    # nothing of the raw payload is dropped
    assert webhook.model_dump(by_alias=True, exclude_unset=True) == json.loads(raw)


def test_server_comment_events_find_the_issue_in_comment_self() -> None:
    webhook = parse_webhook((REFERENCE / "webhook-server-comment-created.json").read_bytes())
    assert webhook.issue is None
    assert webhook.issue_id is not None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<xml/>", "body is not JSON"),
        (b"[1, 2]", "is a JSON object"),
        (b'{"timestamp": 1}', "'webhookEvent' is missing"),
        (b'{"webhookEvent": "jira:issue_updated"}', "'timestamp' is missing"),
        (b'{"webhookEvent": "jira:issue_updated", "timestamp": "soon"}', "timestamp"),
        (b'{"webhookEvent": "jira:issue_updated", "timestamp": 1}', "names no issue"),
        (
            b'{"webhookEvent": "comment_created", "timestamp": 1, "issue": {"id": "1"}}',
            "has no 'comment'",
        ),
    ],
)
def test_bodies_that_are_not_webhooks_say_why(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookError, match=reason):
        parse_webhook(body)


def test_kinds_the_sync_does_not_use_still_parse() -> None:
    webhook = parse_webhook(b'{"webhookEvent": "project_created", "timestamp": 1, "project": {}}')
    assert not webhook.synced


def test_a_worklog_event_names_its_issue_by_the_worklogs_issue_id() -> None:
    body = b'{"webhookEvent": "worklog_created", "timestamp": 1, "worklog": '
    body += b'{"id": "7", "issueId": "10002"}}'
    webhook = parse_webhook(body)
    assert (webhook.synced, webhook.issue_id) == (True, "10002")
    with pytest.raises(WebhookError, match="names no issue"):
        parse_webhook(
            b'{"webhookEvent": "worklog_deleted", "timestamp": 1, "worklog": {"id": "7"}}'
        )


def test_atlassian_published_check_value() -> None:
    secret, body = "It's a Secret to Everybody", b"Hello World!"
    expected = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    assert sign(body, secret) == expected
    verify(body, expected, secret)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("md5=abc", "sha256=<hex>"),
        ("sha256=", "sha256=<hex>"),
        ("sha256=" + "0" * 64, "does not match"),
        ("sha256=\u00e9\u00e9", "sha256=<hex>"),
        ("sha256=xyz", "sha256=<hex>"),
    ],
)
def test_bad_signatures_are_refused(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(b"Hello World!", header, "It's a Secret to Everybody")


def test_a_changed_body_fails_verification() -> None:
    header = sign(b'{"a": 1}', "s3cret")
    with pytest.raises(SignatureError):
        verify(b'{"a": 2}', header, "s3cret")
