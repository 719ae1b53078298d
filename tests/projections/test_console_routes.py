"""The console over HTTP on the in-memory store, with a recording command sender, a
journal fake and a dead-letter fake: sign-in, cookies, CSRF refusals, the actions'
commands and re-drives, the pages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from projections.app import create_app
from projections.console_auth import SESSION_COOKIE, SIGNIN_COOKIE
from projections.console_kafka import Chooser, Letters
from projections.context import ConsolePorts, StatusOptions
from projections.fold import project
from projections.store import MemoryStore
from streams import dead_letter_plan as plans
from streams.dead_letter_redrive import Outcome
from streams.dead_letters import DeadLetter, Original
from streams.state import PairStatus
from tests.projections.conftest import API_KEY, make_settings, pair_state

Client = TestClient[web.Request, web.Application]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STEP = {
    "v": 2,
    "kind": "step",
    "pair": "1:10001",
    "at": "2026-01-02T03:04:05+00:00",
    "input": {"type": "change", "site": 1, "kind": "updated", "issue_key": "PROJ1-1"},
    "events": [{"type": "FieldsUnagreed", "fields": ["summary"]}],
    "before": None,
    "after": "abcdef0123",
}


def dead_letter(offset: int, reason: str, key: str = "1:10001") -> DeadLetter:
    original = Original("t.pair-changes", 2, 40 + offset, key.encode(), b"{}")
    at = f"2026-01-02T03:04:{offset:02d}+00:00"
    return DeadLetter(0, offset, reason, "pair-changes", key, {}, at, original)


LETTERS = [
    dead_letter(0, "HTTP 400: summary not on screen"),
    dead_letter(1, "internal error <b>"),
    dead_letter(2, "HTTP 400: summary not on screen", key="<script>x</script>"),
    dead_letter(3, "HTTP 400: summary not on screen"),
]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, Any]]] = []
        self.journal_asked: list[str] = []
        self.letters: list[DeadLetter] = []
        self.known: dict[str, plans.State] = {}
        self.redriven: list[list[DeadLetter]] = []
        self.stopped: str | None = None

    async def read_letters(self) -> Letters:
        return self.letters, self.known

    async def redrive(self, choose: Chooser) -> Outcome:
        picked = choose(self.letters)
        self.redriven.append(picked)
        steps = plans.plan(picked, self.known)
        done = [step.letter.id for step in steps if step.redrive]
        self.known |= dict.fromkeys(done, "redriven")
        return Outcome(steps=steps, done=done, stopped=self.stopped)

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, json.loads(value)))

    async def journal(self, pair_id: str, limit: int) -> list[dict[str, Any]]:
        self.journal_asked.append(pair_id)
        return [STEP] if pair_id == "1:10001" else []


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[Client]:
    store = MemoryStore()
    states = [pair_state(1, status=PairStatus.CONFLICTED), pair_state(2)]
    states.append(pair_state(3, status=PairStatus.FAILED, origin=2))
    await store.write([project(state) for state in states])
    ports = ConsolePorts(
        journal=recorder.journal,
        send=recorder.send,
        commands_topic="t.cmd",
        letters=recorder.read_letters,
        redrive=recorder.redrive,
    )
    app = create_app(make_settings(), store, options=StatusOptions(), console=ports)
    async with TestClient(TestServer(app)) as client:
        yield client


async def signed_in(client: Client) -> str:
    """Signs in; returns the session's CSRF token (read from a page, as a browser would)."""
    form = await client.get("/console/sign-in")
    token = CSRF.search(await form.text())
    assert token is not None
    answer = await client.post(
        "/console/sign-in", data={"csrf": token[1], "api_key": API_KEY}, allow_redirects=False
    )
    assert answer.status == 303
    page = await (await client.get("/console")).text()
    found = CSRF.search(page)
    assert found is not None
    return found[1]


async def test_pages_need_a_session_and_the_json_api_still_needs_the_header(
    client: Client,
) -> None:
    answer = await client.get("/console/conflicts", allow_redirects=False)
    assert (answer.status, answer.headers["Location"]) == (303, "/console/sign-in")
    await signed_in(client)
    assert (await client.get("/status")).status == 401  # the cookie is no API key
    assert (await client.get("/status", headers={"X-API-Key": API_KEY})).status == 200


async def test_sign_in_sets_httponly_samesite_strict_cookies(client: Client) -> None:
    form = await client.get("/console/sign-in")
    pre = form.headers.getall("Set-Cookie")[0]
    assert pre.startswith(f"{SIGNIN_COOKIE}=")
    token = CSRF.search(await form.text())
    assert token is not None
    data = {"csrf": token[1], "api_key": API_KEY}
    answer = await client.post("/console/sign-in", data=data, allow_redirects=False)
    session = next(c for c in answer.headers.getall("Set-Cookie") if SESSION_COOKIE in c)
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/console"):
        assert flag in session, session
        assert flag in pre, pre


async def test_sign_in_refuses_a_wrong_key_and_a_missing_csrf_token(client: Client) -> None:
    form = await client.get("/console/sign-in")
    token = CSRF.search(await form.text())
    assert token is not None
    wrong = await client.post("/console/sign-in", data={"csrf": token[1], "api_key": "nope"})
    assert wrong.status == 401
    assert "not the management API key" in await wrong.text()
    bare = await client.post("/console/sign-in", data={"api_key": API_KEY})
    assert bare.status == 403
    assert SESSION_COOKIE not in bare.cookies


@pytest.mark.parametrize("path", ["/console/pairs/1:10001/resolve", "/console/pairs/1:10003/retry"])
@pytest.mark.parametrize("csrf", [None, "", "forged"])
async def test_an_action_without_the_csrf_token_is_refused_and_sends_nothing(
    client: Client, recorder: Recorder, path: str, csrf: str | None
) -> None:
    await signed_in(client)
    data = {"winner": "2"} | ({"csrf": csrf} if csrf is not None else {})
    answer = await client.post(path, data=data, allow_redirects=False)
    assert answer.status == 403
    assert recorder.sent == []


async def test_keep_site_2_sends_the_resolve_command(client: Client, recorder: Recorder) -> None:
    csrf = await signed_in(client)
    data = {"csrf": csrf, "winner": "2"}
    answer = await client.post("/console/pairs/1:10001/resolve", data=data, allow_redirects=False)
    assert answer.status == 303
    assert answer.headers["Location"].startswith("/console/pairs/1:10001?sent=")
    ((topic, key, body),) = recorder.sent
    assert (topic, key) == ("t.cmd", b"PROJ1-1#PROJ2-1")
    assert body["command"] == "resolve_conflict"
    assert body["resolution_direction"] == "jira_2_to_1"


async def test_retry_sends_a_manual_sync_from_the_origin(
    client: Client, recorder: Recorder
) -> None:
    csrf = await signed_in(client)
    answer = await client.post("/console/pairs/1:10003/retry", data={"csrf": csrf})
    assert answer.status == 200  # followed to the pair's page
    ((_, key, body),) = recorder.sent
    assert key == b"PROJ2-3"
    assert (body["command"], body["source_instance"]) == ("manual_sync", 2)


async def test_the_pages_show_what_the_store_and_the_journal_hold(client: Client) -> None:
    await signed_in(client)
    overview = await (await client.get("/console")).text()
    assert "Pairs by state" in overview
    assert "Oldest unfinished work" in overview
    conflicts = await (await client.get("/console/conflicts")).text()
    assert "PROJ1-1#PROJ2-1" in conflicts
    assert "keep site 2" in conflicts
    failures = await (await client.get("/console/failures")).text()
    assert "400 field not on screen" in failures
    pair = await (await client.get("/console/pairs/1:10001")).text()
    assert "FieldsUnagreed: fields=[1 item]" in pair
    assert "PROJ1-1 updated on site 1" in pair
    dead = await (await client.get("/console/dead-letters")).text()
    assert "No dead letters" in dead


async def test_search_finds_a_pair_by_issue_key_sync_id_or_pair_id(client: Client) -> None:
    await signed_in(client)
    for query in ("PROJ2-3", "proj2-3", "PROJ1-3%23PROJ2-3", "1:10003"):
        answer = await client.get(f"/console/search?q={query}", allow_redirects=False)
        assert answer.status == 303, query
        assert answer.headers["Location"] == "/console/pairs/1:10003"
    none = await client.get("/console/search?q=PROJ1-99")
    assert "No pair found" in await none.text()


async def test_sign_out_needs_the_token_and_ends_the_session(client: Client) -> None:
    csrf = await signed_in(client)
    assert (await client.post("/console/sign-out", data={})).status == 403
    await client.post("/console/sign-out", data={"csrf": csrf})
    answer = await client.get("/console", allow_redirects=False)
    assert answer.status == 303


@pytest.mark.parametrize(
    "path", ["/console/..%2Fstatus", "/console/%2E%2E/status", "/console/../syncs/1:10001"]
)
async def test_a_console_looking_path_never_reaches_the_json_api_without_the_key(
    client: Client, path: str
) -> None:
    answer = await client.get(path, allow_redirects=False)
    assert answer.status in (401, 404), (path, answer.status)
    assert "counts" not in await answer.text()


@pytest.mark.parametrize("csrf", [None, "", "forged"])
async def test_a_redrive_without_the_csrf_token_is_refused_and_redrives_nothing(
    client: Client, recorder: Recorder, csrf: str | None
) -> None:
    recorder.letters = list(LETTERS)
    await signed_in(client)
    data = {"reason": "internal error <b>"} | ({"csrf": csrf} if csrf is not None else {})
    answer = await client.post("/console/dead-letters/redrive", data=data, allow_redirects=False)
    assert answer.status == 403
    assert recorder.redriven == []


async def test_the_dead_letters_page_groups_by_reason_largest_first_escaped(
    client: Client, recorder: Recorder
) -> None:
    recorder.letters = list(LETTERS)
    recorder.known = {"0:3": "redriven"}
    await signed_in(client)
    page = await (await client.get("/console/dead-letters")).text()
    assert "4 dead letter(s), 2 reason(s)" in page
    assert page.index("3 x HTTP 400") < page.index("1 x internal error &lt;b&gt;")
    assert "internal error <b>" not in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "2 waiting, 1 redriven" in page
    assert "t.pair-changes:2:43" in page
    assert "Re-drive 2" in page  # the group's waiting letters
    assert "Re-drive 1" in page


async def test_re_drive_picks_exactly_its_group_and_says_what_it_did(
    client: Client, recorder: Recorder
) -> None:
    recorder.letters = [*LETTERS, dead_letter(4, "HTTP 400: summary not on screen (again)")]
    recorder.known = {"0:3": "redriven"}
    csrf = await signed_in(client)
    data = {"csrf": csrf, "reason": "HTTP 400: summary not on screen"}
    answer = await client.post("/console/dead-letters/redrive", data=data, allow_redirects=False)
    assert answer.status == 303
    assert answer.headers["Location"].startswith("/console/dead-letters?done=")
    [picked] = recorder.redriven
    assert [letter.id for letter in picked] == ["0:0", "0:2", "0:3"]  # not 0:4, not 0:1
    page = await (await client.get(answer.headers["Location"])).text()
    assert "Re-drove 2 letter(s) of" in page
    assert "0:0, 0:2." in page
    assert "Skipped 1: already re-driven." in page
    assert "Re-drive 2" not in page  # nothing of that group waits any more


async def test_a_redrive_another_took_over_says_so(client: Client, recorder: Recorder) -> None:
    recorder.letters = list(LETTERS)
    recorder.stopped = "stopped: another redrive took over, or Kafka failed: fenced"
    csrf = await signed_in(client)
    data = {"csrf": csrf, "reason": "internal error <b>"}
    page = await (await client.post("/console/dead-letters/redrive", data=data)).text()
    assert "The redrive stopped: another redrive took over" in page


async def test_unreadable_dead_letters_say_why_and_an_unwired_redrive_is_refused() -> None:
    app = create_app(make_settings(), MemoryStore(), options=StatusOptions())
    async with TestClient(TestServer(app)) as client:
        csrf = await signed_in(client)
        page = await (await client.get("/console/dead-letters")).text()
        assert "Dead letters unknown: Unconfigured" in page
        data = {"csrf": csrf, "reason": "x"}
        assert (await client.post("/console/dead-letters/redrive", data=data)).status == 503
