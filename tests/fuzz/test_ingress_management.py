"""Fuzzing the management API of the ingress: ``/manual-sync``, ``/health``,
``/health/details``, ``/metrics``, and whatever else a client may try on that port.

Command bodies are generated around the three seed shapes (manual sync, resolve, full
resync) with wrong types, unknown kinds, extra fields, bad issue keys and sync ids, own
command ids (some shared within a batch, so retries race), bad timestamps; plus random
JSON, bytes and oversized bodies, API keys right, wrong, missing, padded or repeated.
The pure ``api_key_refusal`` and ``parse_command`` are the oracle for every POST to
``/manual-sync``: same status, same reason; an accepted command is on the command topic
once, whatever the number of retries.
"""

from __future__ import annotations

import itertools
import json
import string
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict
from pydantic import SecretStr

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.health import Check
from ingress.publisher import MemoryPublisher
from streams.commands import CommandError, parse_command
from streams.httpapi import api_key_refusal
from streams.topics import Topics
from tests.fuzz.http import Answer, Request, Served, batch_settings, serve
from tests.fuzz.strategies import (
    METHODS,
    NASTY_JSON,
    content_types,
    extra_headers,
    json_values,
    mostly,
    odd_paths,
    pick,
    texts,
    webhook_bodies,
)
from tests.ingress.conftest import API_KEY, NOW, make_settings

QUOTA = 2500  # requests this module must have sent (the fuzz suite's total is >= 10,000)
BATCH = 25
LIMIT = 16 * 1024
COMMANDS = Topics("jira-sync-test").commands
ROUTES = {"/manual-sync": "POST", "/health": "GET", "/health/details": "GET", "/metrics": "GET"}
KEYS = mostly(
    st.sampled_from([API_KEY, f"  {API_KEY}\t"]),
    st.sampled_from([None, "", "wrong", API_KEY.upper(), API_KEY[:-1], "\u00e9" + API_KEY]),
)

VALID_KEYS = st.builds(
    "{}{}-{}".format,
    st.sampled_from(string.ascii_uppercase),
    st.text(string.ascii_uppercase + string.digits + "_", max_size=9),
    st.integers(1, 10**18 - 1),
)
BAD_KEYS = st.sampled_from(
    [
        *("PROJ1-0", "proj1-1", "PROJ1-", "-1", "PROJ1-1 ", "\u00c4BC-1", "PROJ1-1\n"),
        *("ABCDEFGHIJK-1", "PROJ1-1#PROJ2-2", "PROJ1-01", "PROJ1-1234567890123456789"),
    ]
)
ISSUE_KEYS = mostly(VALID_KEYS, BAD_KEYS | texts)
SYNC_IDS = mostly(
    st.builds("{}#{}".format, VALID_KEYS, VALID_KEYS),
    st.builds("{}#{}".format, VALID_KEYS, BAD_KEYS)
    | st.sampled_from(["PROJ1-1%23PROJ2-2", "PROJ1-1#PROJ2-2#PROJ3-3", "1:10001", "#", ""])
    | texts,
)
SITE_VALUES = mostly(
    st.sampled_from([1, 2]), st.sampled_from([0, 3, -1, "1", True, 1.0, None, 2**70])
)
TIMES = (
    st.sampled_from(
        [
            *("2026-01-02T03:04:05Z", "2026-01-02T03:04:05+02:00", "2026-01-02T03:04:05"),
            *("yesterday", "", "9999-12-31T23:59:59Z", "2026-13-45T99:99:99Z"),
        ]
    )
    | st.integers()
)
KINDS = st.sampled_from(["manual_sync", "resolve_conflict", "full_resync", "delete", "", 7, None])
DIRECTIONS = mostly(
    st.sampled_from(["jira_1_to_2", "jira_2_to_1"]), st.sampled_from(["JIRA_1_TO_2", "both", 1])
)
FLAGS = mostly(st.just(True), st.sampled_from([False, 1, "true", None]))
OWN_IDS = st.none() | st.none() | st.integers(0, 2) | st.sampled_from(["", "x" * 201]) | texts

manual = st.fixed_dictionaries({"issue_key": ISSUE_KEYS, "source_instance": SITE_VALUES})
resolve = st.fixed_dictionaries(
    {"sync_id": SYNC_IDS, "resolution_direction": DIRECTIONS},
    optional={"resolve_conflict": FLAGS},
)
full = st.fixed_dictionaries({"full_resync": FLAGS}, optional={"source_instance": SITE_VALUES})
shapes = manual | resolve | full
extras = st.dictionaries(texts, json_values, min_size=1, max_size=2)


@st.composite
def commands(draw: st.DrawFn) -> dict[str, Any]:
    """A seed-shaped command, sometimes with a ``command`` kind, a time or unknown fields."""
    document: dict[str, Any] = dict(draw(shapes))
    if draw(st.integers(0, 5)) == 0:
        document["command"] = draw(KINDS)
    if draw(st.integers(0, 5)) == 0:
        document["issued_at"] = draw(TIMES)
    if draw(st.integers(0, 9)) == 0:
        document |= draw(extras)
    return document


junk = webhook_bodies(LIMIT) | st.sampled_from(NASTY_JSON)
PATHS = odd_paths(tuple(ROUTES))


@dataclass(frozen=True)
class Spec:
    method: str
    path: str
    command: dict[str, Any] | None  # None: send ``junk``
    junk: bytes
    own_id: int | str | None  # an index into the batch's id pool, or the id itself
    keys: tuple[str | None, ...]  # X-API-Key headers, in order (None: left out)
    content_type: str | None
    extra: tuple[tuple[str, str], ...]
    chunked: bool

    def __repr__(self) -> str:
        junk = self.junk[:100] + (b"..." if len(self.junk) > 100 else b"")
        fields = {**vars(self), "junk": f"[{len(self.junk)}] {junk!r}"}
        return "Spec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    roll = draw(st.integers(0, 19))
    if roll < 14:
        method, path = "POST", "/manual-sync"
    elif roll < 17:
        method, path = "GET", pick(draw, ("/health", "/health/details", "/metrics"))
    else:
        method, path = pick(draw, METHODS), pick(draw, (*ROUTES, draw(PATHS)))
    command = draw(commands()) if draw(st.integers(0, 4)) else None
    keys = (draw(KEYS),) if draw(st.integers(0, 9)) else (draw(KEYS), draw(KEYS))
    return Spec(
        method=method,
        path=path,
        command=command,
        junk=draw(junk) if command is None else b"",
        own_id=draw(OWN_IDS),
        keys=keys,
        content_type=draw(st.none() | content_types),
        extra=tuple(draw(extra_headers)) if draw(st.integers(0, 3)) == 0 else (),
        chunked=draw(st.integers(0, 4)) == 0,
    )


@st.composite
def batches(draw: st.DrawFn) -> list[Spec]:
    batch = draw(st.lists(specs(), min_size=BATCH - 3, max_size=BATCH - 3))
    return batch + [pick(draw, batch) for _ in range(3)]


def build(spec: Spec, nonce: str) -> Request:
    body = spec.junk
    if spec.command is not None:
        document = dict(spec.command)
        if spec.own_id is not None:
            own = spec.own_id
            document["command_id"] = f"cmd-{nonce}-{own}" if isinstance(own, int) else own
        body = json.dumps(document).encode()
    headers = [("X-API-Key", key) for key in spec.keys if key is not None]
    if spec.content_type is not None:
        headers.append(("Content-Type", spec.content_type))
    headers += spec.extra
    return Request(spec.method, spec.path, tuple(headers), body, spec.chunked)


@dataclass(frozen=True)
class Expected:
    status: int
    error: dict[str, str] | None = None
    command: dict[str, Any] | None = None  # the published form (minus id and time)
    own_id: str | None = None


def oracle(request: Request) -> Expected | None:
    allowed = ROUTES.get(request.path)
    if allowed is None or request.header("Content-Encoding") is not None:
        return None
    if request.method not in (allowed, "HEAD" if allowed == "GET" else allowed):
        return Expected(405)
    if request.path == "/manual-sync":
        return _manual_sync(request)
    if request.path == "/health/details":
        refused = _refusal(request)
        return Expected(401, {"error": "unauthorized", "reason": refused}) if refused else None
    return Expected(200)


def _refusal(request: Request) -> str | None:
    given = CIMultiDict(request.headers).get("X-API-Key")
    given = given.strip(" \t") if given is not None else None  # HTTP trims header values
    return api_key_refusal(given, SecretStr(API_KEY), "management API")


def _manual_sync(request: Request) -> Expected:
    refused = _refusal(request)
    if refused is not None:
        return Expected(401, {"error": "unauthorized", "reason": refused})
    if len(request.body) > LIMIT:
        return Expected(413, {"error": "too_large", "reason": f"body is larger than {LIMIT} bytes"})
    try:
        command = parse_command(request.body, "placeholder", NOW)
    except CommandError as error:
        return Expected(400, {"error": "invalid_command", "reason": error.reason})
    document = json.loads(request.body)
    own = document.get("command_id") if isinstance(document, dict) else None
    published = command.model_dump(mode="json", exclude={"command_id", "issued_at"})
    return Expected(202, command=published, own_id=own)


class Log:
    """The commands on the memory publisher's log, by command id."""

    def __init__(self, publisher: MemoryPublisher) -> None:
        self.publisher = publisher
        self.commands: dict[str, dict[str, Any]] = {}
        self.counts: Counter[str] = Counter()
        self.read = 0

    def update(self) -> None:
        records = self.publisher.records[self.read :]
        self.read += len(records)
        for record in records:
            assert record.topic == COMMANDS, f"published to {record.topic}"
            document = json.loads(record.value)
            self.counts[document["command_id"]] += 1
            self.commands[document["command_id"]] = document


def check_batch(answers: list[Answer], log: Log) -> None:
    log.update()
    twice = [command_id for command_id, count in log.counts.items() if count > 1]
    assert not twice, f"a command is on the log more than once: {twice[:3]}"
    for answer in answers:
        expected = oracle(answer.request)
        if expected is None:
            continue
        assert answer.status == expected.status, f"expected {expected.status}: {answer.explain()}"
        if expected.error is not None and answer.request.method != "HEAD":
            assert answer.json() == expected.error, answer.explain()
        if expected.command is not None:
            check_accepted(answer, expected, log)


def check_accepted(answer: Answer, expected: Expected, log: Log) -> None:
    document = answer.json()
    assert document["status"] in {"accepted", "duplicate"}, answer.explain()
    command_id = document["command_id"]
    if expected.own_id is not None:
        assert command_id == expected.own_id, answer.explain()
    assert log.counts[command_id] == 1, f"not on the command topic: {answer.explain()}"
    published = log.commands[command_id]
    assert published["issued_at"], published
    if document["status"] == "accepted" and expected.own_id is None:
        # An own id may be reused by another body in the batch; a fresh id never is.
        shown = {k: v for k, v in published.items() if k not in ("command_id", "issued_at")}
        assert shown == expected.command, answer.explain()


async def ok() -> Check:
    return Check("ok", "fake broker")


async def unconfigured() -> Check:
    return Check("not configured")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Served, MemoryPublisher]]:
    publisher = MemoryPublisher()
    ids = (f"srv-{n}" for n in itertools.count())
    app = create_app(
        make_settings(),
        publisher,
        IngressOptions(max_body_bytes=LIMIT),
        probes={"kafka": ok, "jira1": unconfigured},
        clock=lambda: NOW,
        new_id=lambda: next(ids),
    )
    with serve(app) as running:
        yield running, publisher


def test_generated_management_requests_get_the_answer_of_the_pure_checks(
    served: tuple[Served, MemoryPublisher],
) -> None:
    running, publisher = served
    log = Log(publisher)
    nonces = (f"{uuid.uuid4().hex[:8]}-{n}" for n in itertools.count())

    @batch_settings(QUOTA // BATCH + 5)
    @given(batches())
    def batch(specs: list[Spec]) -> None:
        nonce = next(nonces)
        check_batch(running.send([build(spec, nonce) for spec in specs]), log)

    batch()
    assert running.sent >= QUOTA, f"only {running.sent} requests were sent: {running.statuses}"
    assert {200, 202, 400, 401, 405, 413} <= set(running.statuses), running.statuses
