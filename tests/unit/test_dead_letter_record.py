"""The dead-letter record (``streams.dead_letters``): it keeps the record the worker was
handling (topic, partition, offset, key, value, headers) exactly, text as text and other
bytes as base64; letters written before it (no record) and damaged ones are still read;
``Sinks.reject`` takes the record from the Faust event being handled."""

from __future__ import annotations

import json
import weakref
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from faust import streams as faust_streams

from streams.dead_letters import OLDER, Original, bytes_to_json, headers_of, letter, read_letter
from streams.sync.kafka_io import original_record
from tests.unit.sync.test_agents_survive import sent, sinks

AT = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
BODY = '{"webhookEvent": "jira:issue_updated", "summary": "caf\u00e9"}'.encode()
WEBHOOK = Original(
    "p.jira1.events", 3, 120, b"10001", BODY, (("jira-sync.site", b"1"), ("raw", b"\xff\xfe"))
)


def test_text_stays_text_and_other_bytes_are_base64() -> None:
    assert bytes_to_json(BODY) == {"text": BODY.decode()}
    assert bytes_to_json(b"\xff\x00") == {"base64": "/wA="}
    assert bytes_to_json(None) is None


def test_a_letter_keeps_its_record_byte_for_byte() -> None:
    value = letter("webhook w-1: bad", "events-1", b"10001", None, AT, WEBHOOK)
    document = json.loads(value)
    assert document["record"]["value"] == {"text": BODY.decode()}
    assert document["record"]["headers"][1] == ["raw", {"base64": "//4="}]
    read = read_letter(2, 7, value)
    assert read.original == WEBHOOK
    assert (read.id, read.reason, read.source, read.key, read.at) == (
        "2:7",
        "webhook w-1: bad",
        "events-1",
        "10001",
        AT.isoformat(),
    )
    assert read.why_not is None


def test_a_binary_value_and_no_key_come_back_as_they_were() -> None:
    original = Original("p.pair-changes", 0, 1, None, b"\x80\x81", ())
    read = read_letter(0, 0, letter("bad", "pair-changes", None, None, AT, original))
    assert read.original == original


def test_a_letter_of_before_is_read_and_says_why_it_cannot_be_redriven() -> None:
    older = {"reason": "r", "source": "commands", "key": "k", "value": "{}", "at": "then"}
    read = read_letter(1, 4, json.dumps(older).encode())
    assert (read.reason, read.source, read.shown, read.original) == ("r", "commands", "{}", None)
    assert read.why_not == OLDER


def test_damaged_letters_are_read_without_raising() -> None:
    garbage = read_letter(0, 1, b"\xffnot json")
    assert (garbage.reason, garbage.original) == ("unreadable dead letter", None)
    assert garbage.why_not == "not a JSON object"
    document = json.loads(letter("r", "retry", None, None, AT, WEBHOOK))
    document["record"]["value"] = {"base64": "***"}
    damaged = read_letter(0, 2, json.dumps(document).encode())
    assert damaged.original is None
    assert damaged.why_not is not None
    assert damaged.why_not.startswith("its record is damaged")
    del document["record"]["offset"]
    assert read_letter(0, 3, json.dumps(document).encode()).original is None


def test_headers_as_faust_and_aiokafka_give_them() -> None:
    assert headers_of({"a": b"1"}) == (("a", b"1"),)
    assert headers_of([("a", b"1"), ("a", b"2")]) == (("a", b"1"), ("a", b"2"))
    assert headers_of(None) == ()


def message(**fields: Any) -> SimpleNamespace:
    base = {"topic": "p.commands", "partition": 1, "offset": 9, "key": b"k", "value": b"{}"}
    return SimpleNamespace(**(base | {"headers": [("h", b"v")]} | fields))


class Event:
    """A Faust event as far as ``original_record`` looks (weakly referable, as Faust's)."""

    message: Any = None


def test_the_record_of_a_faust_event_is_its_raw_message() -> None:
    event = SimpleNamespace(message=message(), key="decoded", value="decoded")
    assert original_record(event) == Original("p.commands", 1, 9, b"k", b"{}", (("h", b"v"),))
    assert original_record(None) is None


async def test_reject_keeps_the_record_of_the_event_being_handled() -> None:
    out = sinks()
    await out.reject("commands", b"k", "outside an event", "shown")
    event = Event()
    event.message = message(headers={"h": b"v"})
    token = faust_streams._current_event.set(weakref.ref(event))  # as Faust sets it
    try:
        await out.reject("commands", b"k", "no such issue", "shown")
    finally:
        faust_streams._current_event.reset(token)
    (_, outside), (_, inside) = sent(out.dead_letter)
    assert "record" not in outside
    assert inside["record"]["topic"] == "p.commands"
    assert inside["record"]["offset"] == 9
    assert inside["record"]["headers"] == [["h", {"text": "v"}]]
    assert (inside["reason"], inside["value"]) == ("no such issue", "shown")


def test_a_letter_too_large_for_one_record_keeps_where_its_record_is() -> None:
    from datetime import UTC, datetime

    from streams.dead_letters import MAX_LETTER_BYTES, Original, letter, read_letter

    body = "x" * 950_000  # near the 1 MB a Kafka record may be: the letter cannot hold it
    original = Original("p.pair-changes", 3, 77, b"1:10001", body.encode())
    raw = letter("internal error", "pair-changes", b"1:10001", body, datetime.now(UTC), original)
    assert len(raw) <= MAX_LETTER_BYTES
    read = read_letter(0, 5, raw)
    assert read.original is None
    assert read.why_not is not None
    assert "too large" in read.why_not
    assert "p.pair-changes:3:77" in read.why_not
    assert read.reason == "internal error"


def test_a_letter_keeping_its_record_shows_only_a_preview_beside_it() -> None:
    from datetime import UTC, datetime

    from streams.dead_letters import PREVIEW_CHARS, Original, letter, read_letter

    body = "y" * 50_000
    original = Original("p.pair-changes", 0, 1, None, body.encode())
    read = read_letter(0, 0, letter("r", "pair-changes", None, body, datetime.now(UTC), original))
    assert read.original == original  # the whole record, to re-drive
    assert isinstance(read.shown, str)
    assert len(read.shown) < PREVIEW_CHARS + 40
