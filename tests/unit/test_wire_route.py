"""The worker's decode point (``route``) on records as the ingress writes them: the signed
body as the value, the stamp in headers. A body the ingress let through (its look is
cheap) but that fails the full schema becomes a dead letter with the reason, and the next
record is routed; envelopes already on the topic still are (issue 19)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import faust
import pytest

from ingress.receive import Delivery, receive
from streams.jira.signature import sign
from streams.sync.agents import route
from streams.sync.served import Served
from tests.unit.sync.test_agents_survive import (
    _envelope,
    _new_pair,
    agent,
    runtime,
    sent,
    sinks,
)
from tests.unit.test_wire import NOW

SECRET = "route test secret"
Record = tuple[bytes, bytes, dict[str, bytes]]


class Stream:
    """Events with headers, as faust hands them to an agent (headers as a dict)."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records = list(records)

    async def events(self) -> AsyncIterator[Any]:
        for key, value, headers in self.records:
            yield type("E", (), {"key": key, "value": value, "headers": headers})()


def delivered(document: dict[str, Any], webhook_id: str) -> Delivery:
    body = json.dumps(document).encode()
    headers = {"X-Hub-Signature": sign(body, SECRET), "X-Atlassian-Webhook-Identifier": webhook_id}
    return receive(1, headers, body, SECRET, NOW)


def record(delivery: Delivery) -> Record:
    return delivery.key, delivery.value, dict(delivery.headers)


def updated(issue_id: str) -> dict[str, Any]:
    issue = {"id": issue_id, "key": f"PROJ1-{issue_id}", "fields": {"summary": "s"}}
    return {"webhookEvent": "jira:issue_updated", "timestamp": 1, "issue": issue}


async def routed(records: list[Record], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(route, "find_pair", _new_pair)
    out = sinks()
    app = faust.App("test-wire-route", store="memory://")
    monkeypatch.setattr(app, "Table", lambda *args, **kwargs: {})
    route.install(app, 1, out.events[1], out, runtime().clients, Served.one(runtime()))
    await agent(app, "route-1")(Stream(records))
    return out


async def test_a_body_failing_the_schema_is_dead_lettered_with_the_reason_and_the_next_routed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_comment = {"webhookEvent": "comment_created", "timestamp": 1, "issue": {"id": "10001"}}
    bad_time = {**updated("10002"), "timestamp": "tomorrow"}
    records = [
        record(delivered(no_comment, "w-bad")),  # the ingress answered 202: its look is cheap
        record(delivered(bad_time, "w-time")),
        record(delivered(updated("10003"), "w-good")),
    ]
    out = await routed(records, monkeypatch)
    dead = sent(out.dead_letter)
    assert [key for key, _ in dead] == [b"10001", b"10002"]
    first, second = (letter["reason"] for _, letter in dead)
    assert first.startswith("webhook w-bad: ")
    assert "comment" in first
    assert second.startswith("webhook w-time: ")
    assert "timestamp" in second
    [(key, change)] = sent(out.pair_changes)
    assert key == b"1:10003"
    assert (change["webhook_id"], change["issue_id"]) == ("w-good", "10003")


async def test_raw_records_and_envelopes_of_before_are_routed_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [
        record(delivered(updated("10001"), "w-new")),
        (b"10002", _envelope("w-old", "10002"), {}),
    ]
    out = await routed(records, monkeypatch)
    assert sent(out.dead_letter) == []
    changes = dict(sent(out.pair_changes))
    assert changes[b"1:10001"]["webhook_id"] == "w-new"
    assert changes[b"1:10002"]["webhook_id"] == "w-old"
    assert {c["values"]["summary"] for c in changes.values()} == {"s"}


async def test_a_raw_body_without_its_headers_is_dead_lettered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delivery = delivered(updated("10001"), "w-1")
    out = await routed([(delivery.key, delivery.value, {})], monkeypatch)
    [(_, letter)] = sent(out.dead_letter)
    assert letter["reason"].startswith("not an envelope")
