"""Every agent survives a malformed record or an unexpected JIRA answer (issue 16, item
10a): what it cannot handle is dead-lettered, the pair (when there is one) says it failed,
retryably, so the periodic sweep looks at it again, and the next record is handled.

The agents' own functions run on fake streams and topics; JIRA is a fake transport that
answers an HTML page with a 200, as a proxy or maintenance page does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import faust
import pytest

from streams.jira.client import JiraClient
from streams.state import PairState
from streams.sync.agents import commands, pair, retry, route
from streams.sync.applier import Applier
from streams.sync.kafka_io import Sinks
from streams.sync.messages import Reexamine, SyncConfig
from streams.sync.normalize import encode_message
from streams.sync.retrying import Backoff, needs_another_look
from streams.sync.served import Served
from tests.unit.jira.test_unexpected_answers import HTML, Answering
from tests.unit.sync import pairs
from tests.unit.sync.test_follow_up import Topic

NOW = datetime.now(UTC)
KEY = b"1:10001"
PAIR = pairs.synced(NOW)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})


class Stream:
    """What an agent iterates: ``items()`` of (key, value), or ``events()``."""

    def __init__(self, records: Iterable[tuple[bytes | None, bytes]]) -> None:
        self.records = list(records)

    async def items(self) -> AsyncIterator[tuple[bytes | None, bytes]]:
        for record in self.records:
            yield record

    async def events(self) -> AsyncIterator[Any]:
        for offset, (key, value) in enumerate(self.records):
            message = type("M", (), {"topic": "commands", "partition": 0, "offset": offset})
            event = {"key": key, "value": value, "message": message, "headers": {}}
            yield type("E", (), event)()


def sinks() -> Sinks:
    return Sinks(Topic(), Topic(), Topic(), Topic(), {1: Topic(), 2: Topic()}, Topic())


def sent(topic: Any) -> list[tuple[bytes | None, dict[str, Any]]]:
    return cast(Topic, topic).sent


def runtime(answer: Any = HTML) -> Applier:
    clients = {site: JiraClient(Answering(answer)) for site in (1, 2)}
    return Applier(clients, CONFIG, {1: "http://one", 2: "http://two"})


def agent(app: faust.App, name: str) -> Any:
    return next(a for a in app.agents.values() if a.name.endswith(name)).fun


def pair_agent(run: Applier, out: Sinks, pairs: dict[bytes, bytes]) -> Any:
    app = faust.App("test-agents", store="memory://")
    pair.install(app, out.pair_changes, out, pairs, Served.one(run), Backoff())
    return agent(app, "sync-pair")


async def test_an_html_answer_fails_the_pair_retryably_instead_of_crashing_the_step() -> None:
    out, pairs = sinks(), {KEY: PAIR.to_bytes()}
    sync_pair = pair_agent(runtime(), out, pairs)
    await sync_pair(Stream([(KEY, encode_message(Reexamine("sweep")))]))
    state = PairState.from_bytes(pairs[KEY])
    assert state.failure is not None
    assert state.failure.retryable
    assert "unexpected answer" in state.failure.reason
    assert needs_another_look(state)
    assert [key for key, _ in sent(out.retry)] == [KEY]  # tried again when due
    assert sent(out.dead_letter) == []  # retryable: not dead yet


def crashing(monkeypatch: pytest.MonkeyPatch, bug: str) -> None:
    """Every step of the pair agent raises ``AttributeError(bug)`` (a bug in the engine)."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError(bug)

    monkeypatch.setattr(pair, "handle", broken)


async def test_a_crashing_step_is_dead_lettered_and_the_pair_marked_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashing(monkeypatch, "'list' object has no attribute 'get'")
    out, pairs = sinks(), {KEY: PAIR.to_bytes(), b"1:10002": b"not a pair state"}
    sync_pair = pair_agent(runtime(), out, pairs)
    records = [
        (KEY, encode_message(Reexamine("sweep"))),
        (b"1:10002", encode_message(Reexamine("sweep"))),  # its stored state is corrupt
        (b"1:10003", b"[1, 2, 3]"),  # not a pair message
    ]
    await sync_pair(Stream(records))
    dead = sent(out.dead_letter)
    assert [key for key, _ in dead] == [KEY, b"1:10002", b"1:10003"]
    assert "AttributeError" in dead[0][1]["reason"]
    state = PairState.from_bytes(pairs[KEY])
    assert state.failure is not None
    assert state.failure.retryable
    assert needs_another_look(state)  # the sweep takes it up again
    assert [key for key, _ in sent(out.sync_state)] == [KEY]


async def test_the_route_agent_dead_letters_what_it_cannot_route_and_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.sync import normalize

    calls: list[str] = []

    def change(envelope: Any, maps: Any) -> Any:
        calls.append(envelope.webhook_id)
        if envelope.webhook_id == "bad":
            raise KeyError("fields")
        return normalize.change_from_envelope(envelope, maps)

    monkeypatch.setattr(route, "change_from_envelope", change)
    monkeypatch.setattr(route, "find_pair", _new_pair)
    out = sinks()
    app = faust.App("test-route", store="memory://")
    links: dict[bytes, bytes] = {}  # the links table, outside a running worker
    monkeypatch.setattr(app, "Table", lambda *args, **kwargs: links)
    route.install(app, 1, out.events[1], out, runtime().clients, Served.one(runtime()))
    routed = agent(app, "route-1")
    records = [(b"10001", _envelope("bad")), (b"10002", _envelope("good", "10002"))]
    await routed(Stream(records))
    assert calls == ["bad", "good"]
    [(key, dead)] = sent(out.dead_letter)
    assert key == b"10001"
    assert "KeyError" in dead["reason"]
    assert [key for key, _ in sent(out.pair_changes)] == [b"1:10002"]
    assert links == {b"10002": b"1:10002"}


async def _new_pair(client: Any, maps: Any, site: int, issue_id: str) -> tuple[str, None]:
    return f"{site}:{issue_id}", None


def _envelope(webhook_id: str, issue_id: str = "10001") -> bytes:
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1,
        "issue": {"id": issue_id, "key": f"PROJ1-{issue_id}", "fields": {"summary": "s"}},
    }
    body = {
        "site": 1,
        "webhook_id": webhook_id,
        "retry": 0,
        "received_at": NOW.isoformat(),
        "event_type": "jira:issue_updated",
        "issue_id": issue_id,
        "payload": payload,
    }
    return json.dumps(body).encode()


async def test_a_command_meeting_an_unexpected_answer_is_rejected_and_the_next_runs() -> None:
    out = sinks()
    app = faust.App("test-commands", store="memory://")
    commands.install(app, out.events[1], out, Served.one(runtime([{"id": "1"}])))
    handle = agent(app, "commands")
    manual = json.dumps({"issue_key": "PROJ1-1", "source_instance": 1})
    await handle(Stream([(b"c1", manual.encode()), (b"c2", b"{not json")]))
    assert [key for key, _ in sent(out.dead_letter)] == [b"c1", b"c2"]
    assert "unexpected answer" in sent(out.dead_letter)[0][1]["reason"]


async def test_the_retry_agent_refuses_a_record_it_cannot_read_and_goes_on() -> None:
    out = sinks()
    app = faust.App("test-retry", store="memory://")
    retry.install(app, out.retry, out)
    held = agent(app, "retry")
    naive = json.dumps({"reason": "r", "attempt": 1, "due": "2026-01-01T00:00:00"}).encode()
    due = (NOW - timedelta(seconds=1)).isoformat()
    good = json.dumps({"reason": "r", "attempt": 2, "due": due}).encode()
    await held(Stream([(KEY, naive), (KEY, good)]))
    assert [key for key, _ in sent(out.dead_letter)] == [KEY]
    assert [record["attempt"] for _, record in sent(out.pair_changes)] == [2]


async def test_a_crashed_pairs_failed_state_is_journalled_so_a_replay_folds_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashing(monkeypatch, "a bug")
    out, pairs = sinks(), {KEY: PAIR.to_bytes()}
    await pair_agent(runtime(), out, pairs)(Stream([(KEY, encode_message(Reexamine("sweep")))]))
    crashed = PairState.from_bytes(pairs[KEY])
    records = [value for _, value in sent(out.journal)]
    assert [record["kind"] for record in records] == ["intent"]
    assert PairState.model_validate(records[0]["state"]) == crashed  # a replay adopts it
