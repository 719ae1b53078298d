"""A comment copy whose create JIRA fails (5xx) or never answers (a timeout, the comment
made all the same) is tried again within the step, once it is not found by its marker:
made exactly once, never lost to a retry of the pair (which re-reads fields, not comments),
and a replay of the journal asks JIRA the same. When every attempt fails, the copy stays
pending, so it is looked for before it is made again. A fake JIRA in memory; nothing waits
(the backoff is recorded, not slept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import JiraError, JiraUnavailable, ServerError
from streams.jira.transport import JiraTransport, Params
from streams.state import IssueRef, PairState, PairStatus
from streams.sync import journal
from streams.sync.applier import Applier
from streams.sync.comments import marker
from streams.sync.messages import CopyComment, SyncConfig

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SOURCE = "1:10010"
PAIR = PairState(
    pair_id="1:10001",
    version=3,
    origin=1,
    site1=IssueRef(site=1, id="10001", key="PROJ1-1"),
    site2=IssueRef(site=2, id="10002", key="PROJ2-1"),
    status=PairStatus.SYNCED,
    updated_at=NOW,
)
COPY = CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1")
LIST = "/rest/api/3/issue/PROJ2-1/comment"
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
URLS = {1: "http://one", 2: "http://two"}


class FakeJira(JiraTransport):
    """Comments of one issue per site. ``creates`` scripts the comment creates in order:
    "ok", "refused" (a 5xx, nothing done) or "lost" (done, but the answer never came).
    Every exchange is noted in ``log`` as the worker's journal notes it."""

    def __init__(self, site: int, log: list[dict[str, Any]], creates: list[str]) -> None:
        self.site = site  # no session: no network
        self.log = log
        self.creates = list(creates)
        self.comments: list[dict[str, Any]] = []

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        entry = {"site": self.site, "method": method, "path": path}
        entry |= {"params": journal.plain(params), "json": journal.plain(json)}
        try:
            answer = self._answer(method, path, json)
        except JiraError as error:
            self.log.append({**entry, "error": journal.error_to_json(error)})
            raise
        self.log.append({**entry, "answer": journal.plain(answer)})
        return answer

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if method == "GET" and path.endswith("/comment/10010"):
            return {"id": "10010", "body": "Printer on fire", "author": {"displayName": "Alice"}}
        if method == "GET" and path == LIST:
            return {"comments": self.comments, "total": len(self.comments)}
        assert (method, path) == ("POST", LIST), f"unexpected {method} {path}"
        outcome = self.creates.pop(0) if self.creates else "ok"
        if outcome == "refused":
            raise ServerError(method, path, 503, ["Internal server error"])
        made = {"id": str(20000 + len(self.comments)), "body": body["body"]}
        self.comments.append(made)
        if outcome == "lost":
            raise JiraUnavailable(method, path, None, ["TimeoutError"])
        return made


@dataclass
class Rig:
    applier: Applier
    target: FakeJira
    log: list[dict[str, Any]]
    waits: list[float] = field(default_factory=list)
    intents: list[PairState] = field(default_factory=list)


def rig(creates: list[str]) -> Rig:
    log: list[dict[str, Any]] = []
    target = FakeJira(2, log, creates)
    clients = {1: JiraClient(FakeJira(1, log, [])), 2: JiraClient(target)}
    r = Rig(Applier(clients, CONFIG, URLS), target, log)

    async def wait(seconds: float) -> None:
        r.waits.append(seconds)

    async def record(state: PairState) -> None:
        r.intents.append(state)

    r.applier.sleep = wait
    r.applier.before_writes = record
    return r


async def replayed(log: list[dict[str, Any]], pair: PairState) -> tuple[PairState, int]:
    """The step again, JIRA answering from ``log`` (as ``jira-sync replay`` does): the
    state it ends in, and how many exchanges it left unasked."""
    exchanges = journal.Exchanges(log)
    clients = {site: JiraClient(journal.ReplayTransport(site, exchanges)) for site in (1, 2)}

    async def no_wait(seconds: float) -> None:
        return None

    applied = await Applier(clients, CONFIG, URLS, sleep=no_wait).apply(pair, COPY, NOW)
    return applied.state, exchanges.left()


def copies(target: FakeJira) -> list[str]:
    return [c["id"] for c in target.comments if marker(SOURCE) in str(c["body"])]


async def test_a_refused_create_is_made_again_after_a_backoff() -> None:
    r = rig(["refused", "refused", "ok"])
    applied = await r.applier.apply(PAIR, COPY, NOW)
    assert applied.retry is None
    assert copies(r.target) == ["20000"]
    assert applied.state.comment_map == {SOURCE: "2:20000"}
    assert applied.state.pending_comments == {}
    assert len(r.waits) == 2
    assert 2.0 <= r.waits[0] < r.waits[1]  # the transport's backoff: from 2 s, growing
    assert SOURCE in r.intents[0].pending_comments  # durable before the first try
    assert await replayed(r.log, PAIR) == (applied.state, 0)


async def test_a_create_whose_answer_was_lost_is_found_not_made_twice() -> None:
    r = rig(["lost"])
    applied = await r.applier.apply(PAIR, COPY, NOW)
    assert applied.retry is None
    assert copies(r.target) == ["20000"]
    assert applied.state.comment_map == {SOURCE: "2:20000"}
    assert [e["method"] for e in r.log if e["path"] == LIST] == ["POST", "GET"]
    assert await replayed(r.log, PAIR) == (applied.state, 0)


async def test_when_every_attempt_fails_the_copy_stays_pending_and_is_looked_for() -> None:
    r = rig(["refused", "refused", "refused", "refused", "lost"])
    applied = await r.applier.apply(PAIR, COPY, NOW)
    assert applied.retry is not None
    assert applied.state.failure is not None
    assert applied.state.failure.retryable
    assert SOURCE in applied.state.pending_comments
    assert len(r.waits) == r.applier.comment_retry.attempts - 1
    assert copies(r.target) == ["20000"]  # the last, lost answer made it all the same

    again = await r.applier.apply(applied.state, COPY, NOW)  # e.g. the original is edited
    assert again.retry is None
    assert copies(r.target) == ["20000"]
    assert again.state.comment_map == {SOURCE: "2:20000"}
    assert again.state.pending_comments == {}
