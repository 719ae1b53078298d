"""The events record format (``streams/wire.py``): the signed body as the value, the
ingress's additions in headers; both formats decoded; HMACs re-verified from a record."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from streams.jira.signature import sign
from streams.records import WebhookEnvelope
from streams.wire import (
    FORMAT,
    SIGNATURE,
    WEBHOOK_ID,
    BadRecord,
    NotJsonDocument,
    Stamp,
    decode_event,
    glance,
    load_document,
    read_stamp,
    verify_record,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SECRET = "site one's secret"
BODY = json.dumps(
    {
        "timestamp": 1700000000000,
        "webhookEvent": "jira:issue_updated",
        "issue": {"id": "10001", "key": "PROJ1-1", "fields": {"summary": "s"}},
    },
    separators=(",", ":"),
).encode()


def stamp(**changes: object) -> Stamp:
    values: dict[str, object] = {
        "site": 1,
        "webhook_id": "w-1",
        "retry": 2,
        "received_at": NOW,
        "event_type": "jira:issue_updated",
        "issue_id": "10001",
        "signature": sign(BODY, SECRET),
    }
    return Stamp(**(values | changes))  # type: ignore[arg-type]


def test_a_stamp_survives_its_headers() -> None:
    for given in (stamp(), stamp(site=2, issue_id=None, signature=None, retry=0)):
        assert read_stamp(given.headers()) == given
        assert read_stamp(dict(given.headers())) == given  # as faust hands them over


def test_a_record_without_the_format_header_has_no_stamp() -> None:
    assert read_stamp(None) is None
    assert read_stamp([]) is None
    assert read_stamp([(FORMAT, b"raw-0"), (WEBHOOK_ID, b"w")]) is None


def test_incomplete_headers_are_a_bad_record() -> None:
    headers = [pair for pair in stamp().headers() if pair[0] != WEBHOOK_ID]
    with pytest.raises(BadRecord, match="incomplete"):
        read_stamp(headers)
    with pytest.raises(BadRecord, match="site 3"):
        read_stamp([(k, b"3" if k == "jira-sync.site" else v) for k, v in stamp().headers()])


def test_a_raw_record_decodes_to_the_envelope_it_stands_for() -> None:
    envelope = decode_event(BODY, stamp().headers())
    assert envelope == WebhookEnvelope(
        site=1,
        webhook_id="w-1",
        retry=2,
        received_at=NOW,
        event_type="jira:issue_updated",
        issue_id="10001",
        payload=json.loads(BODY),
    )


def test_an_envelope_record_of_before_is_still_read() -> None:
    old = WebhookEnvelope(
        site=2, webhook_id="old", received_at=NOW, event_type="x", payload={"a": 1}
    )
    assert decode_event(old.to_bytes(), None) == old
    assert decode_event(old.to_bytes(), []) == old
    with pytest.raises(BadRecord, match="not an envelope"):
        decode_event(BODY, None)  # a raw body that lost its headers


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{oops", "body is not JSON"),
        (b"[1]", "a JIRA webhook body is a JSON object"),
        (b'{"webhookEvent": "comment_created", "timestamp": 1, "issue": {"id": "1"}}', "comment"),
        (b'{"webhookEvent": "jira:issue_updated", "timestamp": "soon"}', "timestamp"),
        (
            b'{"webhookEvent": "jira:issue_updated", "timestamp": 1, "issue": {"id": "1"},'
            b' "changelog": {"items": [{"field": 7}]}}',
            "changelog",
        ),
    ],
)
def test_a_body_failing_the_schema_is_a_bad_record_naming_the_webhook_and_why(
    body: bytes, reason: str
) -> None:
    with pytest.raises(BadRecord, match=reason) as refused:
        decode_event(body, stamp().headers())
    assert refused.value.reason.startswith("webhook w-1: ")


def test_the_worker_reads_integers_exactly_and_lone_surrogates_as_replacements() -> None:
    big = b'{"n": 123456789012345678901234567890, "t": "a \\ud83d b"}'
    assert load_document(big) == {
        "n": 123456789012345678901234567890,
        "t": "a \ufffd\ufffd\ufffd b",
    }
    assert load_document(BODY) == json.loads(BODY)


def test_the_ingress_glance_reads_what_orjson_refuses_but_json_allows() -> None:
    assert glance(b'{"t": "a \\ud83d b"}') == {"t": "a \ufffd\ufffd\ufffd b"}
    assert glance(BODY) == json.loads(BODY)
    with pytest.raises(NotJsonDocument):
        glance(b'{"a": NaN}')


@pytest.mark.parametrize("body", [b"", b"NaN", b'{"a": Infinity}', b"[" * 5000 + b"]" * 5000])
def test_what_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(NotJsonDocument):
        load_document(body)


def test_a_record_is_verified_from_its_value_and_headers_alone() -> None:
    verdict = verify_record(BODY, stamp().headers(), {1: SECRET, 2: None})
    assert verdict.ok, verdict.detail
    assert verdict.stamp == stamp()


@pytest.mark.parametrize(
    ("value", "headers", "secrets", "detail"),
    [
        (BODY + b" ", stamp().headers(), {1: SECRET}, "does not match"),
        (BODY.replace(b"s", b"t"), stamp().headers(), {1: SECRET}, "does not match"),
        (BODY, stamp().headers(), {1: "another secret"}, "does not match"),
        (BODY, stamp(site=2).headers(), {1: SECRET}, "no webhook secret for site 2"),
        (BODY, stamp(signature=None).headers(), {1: SECRET}, "missing X-Hub-Signature"),
        (BODY, [], {1: SECRET}, "an envelope"),
        (None, stamp().headers(), {1: SECRET}, "no value"),
    ],
)
def test_a_changed_or_unsigned_record_is_not_verified(
    value: bytes | None,
    headers: list[tuple[str, bytes]],
    secrets: dict[int, str | None],
    detail: str,
) -> None:
    verdict = verify_record(value, headers, secrets)
    assert not verdict.ok
    assert detail in verdict.detail


def test_a_changed_signature_header_is_not_verified() -> None:
    forged = sign(BODY + b"x", SECRET)
    headers = [(k, forged.encode() if k == SIGNATURE else v) for k, v in stamp().headers()]
    assert not verify_record(BODY, headers, {1: SECRET}).ok
