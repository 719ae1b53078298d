"""A comment copy whose create JIRA fails (5xx) or never answers (a timeout, the comment
made all the same) is tried again within the step, once it is not found by its marker:
made exactly once, and the step run again on the same answers asks JIRA the same. When
every attempt fails, the copy stays pending, so it is looked for before it is made again; a
copy, edit or removal that fails for the whole step is done on the pair's next
``Reexamine`` (no comment event comes again). A fake JIRA in memory; nothing waits (the
backoff is recorded, not slept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import JiraError, JiraUnavailable, NotFound, ServerError
from streams.jira.transport import Params
from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.applier import Applied, Applier
from streams.sync.comments import marker
from streams.sync.messages import (
    Action,
    CopyComment,
    DeleteComment,
    Observation,
    Reexamine,
    SyncConfig,
)
from streams.sync.model import decide
from tests.unit.jira.scripted import Scripted
from tests.unit.sync import pairs
from tests.unit.sync import recorded_jira as recorded

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SOURCE = "1:10010"
PAIR = pairs.synced(NOW, two=("10002", "PROJ2-1"))
COPY = CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1")
MAPPED = outcomes.comment_copied(PAIR, SOURCE, "2:20000", NOW)  # its copy made earlier
LIST = "/rest/api/3/issue/PROJ2-1/comment"
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
URLS = {1: "http://one", 2: "http://two"}


class FakeJira(Scripted):
    """Comments of one issue per site. ``creates`` scripts the comment creates in order:
    "ok", "refused" (a 5xx, nothing done) or "lost" (done, but the answer never came);
    ``down``: every request answers 503; ``original``: the text of site 1's comment 10010
    (None: deleted). Every exchange is noted in ``log`` (``tests.unit.sync.recorded_jira``)."""

    def __init__(self, site: int, log: list[dict[str, Any]], creates: list[str]) -> None:
        self.site = site
        self.log = log
        self.creates = list(creates)
        self.comments: list[dict[str, Any]] = []
        self.down = False
        self.original: str | None = "Printer on fire"

    async def answered(self, method: str, path: str, params: Params | None, json: Any) -> Any:
        entry = recorded.request_entry(self.site, method, path, params, json)
        try:
            answer = self._answer(method, path, json)
        except JiraError as error:
            self.log.append({**entry, "error": recorded.error_to_json(error)})
            raise
        self.log.append({**entry, "answer": recorded.plain(answer)})
        return answer

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if self.down:
            raise ServerError(method, path, 503, ["Internal server error"])
        if method == "GET" and path.endswith("/comment/10010"):
            if self.original is None:
                raise NotFound(method, path, 404, ["Comment not found"])
            return {"id": "10010", "body": self.original, "author": {"displayName": "Alice"}}
        if method == "GET" and path == LIST:
            return {"comments": self.comments, "total": len(self.comments)}
        if path.startswith(f"{LIST}/"):
            return self._change(method, path, body)
        assert (method, path) == ("POST", LIST), f"unexpected {method} {path}"
        outcome = self.creates.pop(0) if self.creates else "ok"
        if outcome == "refused":
            raise ServerError(method, path, 503, ["Internal server error"])
        made = {"id": str(20000 + len(self.comments)), "body": body["body"]}
        self.comments.append(made)
        if outcome == "lost":
            raise JiraUnavailable(method, path, None, ["TimeoutError"])
        return made

    def _change(self, method: str, path: str, body: Any) -> Any:
        """An update or delete of one comment of the list."""
        [found] = [c for c in self.comments if c["id"] == path.rpartition("/")[2]] or [None]
        if found is None:
            raise NotFound(method, path, 404, ["Comment not found"])
        if method == "DELETE":
            self.comments.remove(found)
            return None
        assert method == "PUT", f"unexpected {method} {path}"
        found["body"] = body["body"]
        return found


@dataclass
class Rig:
    applier: Applier
    source: FakeJira
    target: FakeJira
    log: list[dict[str, Any]]
    waits: list[float] = field(default_factory=list)
    intents: list[PairState] = field(default_factory=list)


def rig(creates: list[str]) -> Rig:
    log: list[dict[str, Any]] = []
    source, target = FakeJira(1, log, []), FakeJira(2, log, creates)
    clients = {1: JiraClient(source), 2: JiraClient(target)}
    r = Rig(Applier(clients, CONFIG, URLS), source, target, log)

    async def wait(seconds: float) -> None:
        r.waits.append(seconds)

    async def record(state: PairState) -> None:
        r.intents.append(state)

    r.applier.sleep = wait
    r.applier.before_writes = record
    return r


async def replayed(
    log: list[dict[str, Any]], pair: PairState, action: Action = COPY
) -> tuple[PairState, int]:
    """The step again, JIRA answering from ``log`` (``recorded_jira``): the
    state it ends in, and how many exchanges it left unasked."""
    exchanges = recorded.Exchanges(log)
    clients = {site: JiraClient(recorded.ReplayTransport(site, exchanges)) for site in (1, 2)}

    async def no_wait(seconds: float) -> None:
        return None

    applied = await Applier(clients, CONFIG, URLS, sleep=no_wait).carry(pair, action, NOW)
    return applied.state, exchanges.left()


def copies(target: FakeJira) -> list[str]:
    return [c["id"] for c in target.comments if marker(SOURCE) in str(c["body"])]


async def reexamined(r: Rig, pair: PairState) -> Applied:
    """The retry the failed step scheduled: both sides read in sync, so the decision is
    the comment done again, applied; its replay asks JIRA the same."""
    observed = {
        site: Observation(site, ref.id, ref.key, {}, NOW)
        for site, ref in ((1, pair.site1), (2, pair.site2))
        if ref is not None
    }
    decision = decide(Reexamine("retry"), pair, CONFIG, NOW, observed)
    assert decision.actions == [COPY]
    assert decision.state is not None
    mark = len(r.log)
    applied = await r.applier.carry(decision.state, COPY, NOW)
    assert await replayed(r.log[mark:], decision.state) == (applied.state, 0)
    return applied


async def test_a_refused_create_is_made_again_after_a_backoff() -> None:
    r = rig(["refused", "refused", "ok"])
    applied = await r.applier.carry(PAIR, COPY, NOW)
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
    applied = await r.applier.carry(PAIR, COPY, NOW)
    assert applied.retry is None
    assert copies(r.target) == ["20000"]
    assert applied.state.comment_map == {SOURCE: "2:20000"}
    assert [e["method"] for e in r.log if e["path"] == LIST] == ["POST", "GET"]
    assert await replayed(r.log, PAIR) == (applied.state, 0)


async def test_when_every_attempt_fails_the_copy_stays_pending_and_is_looked_for() -> None:
    r = rig(["refused", "refused", "refused", "refused", "lost"])
    applied = await r.applier.carry(PAIR, COPY, NOW)
    assert applied.retry is not None
    assert applied.state.failure is not None
    assert applied.state.failure.retryable
    assert SOURCE in applied.state.pending_comments
    assert len(r.waits) == r.applier.comment_retry.attempts - 1
    assert copies(r.target) == ["20000"]  # the last, lost answer made it all the same

    again = await r.applier.carry(applied.state, COPY, NOW)  # e.g. the original is edited
    assert again.retry is None
    assert copies(r.target) == ["20000"]
    assert again.state.comment_map == {SOURCE: "2:20000"}
    assert again.state.pending_comments == {}


async def test_a_copy_failing_for_the_whole_step_is_made_once_on_the_next_reexamine() -> None:
    r = rig(["refused"] * 4 + ["lost"])
    failed = await r.applier.carry(PAIR, COPY, NOW)
    assert failed.retry is not None
    assert list(failed.state.pending_comments) == [SOURCE]
    assert copies(r.target) == ["20000"]  # the last, lost answer made it all the same

    again = await reexamined(r, failed.state)
    assert again.retry is None
    assert copies(r.target) == ["20000"]  # found by its marker, not made twice
    assert again.state.comment_map == {SOURCE: "2:20000"}
    assert again.state.pending_comments == {}
    assert again.state.failure is None
    assert again.state.status is PairStatus.SYNCED


async def test_an_edit_failing_for_the_whole_step_is_done_on_the_next_reexamine() -> None:
    r = rig([])
    r.target.comments = [{"id": "20000", "body": f"Printer on fire {marker(SOURCE)}"}]
    r.source.original = "Fire is out"
    r.target.down = True
    failed = await r.applier.carry(MAPPED, COPY, NOW)  # the edit's webhook
    assert failed.retry is not None
    assert failed.state.failure is not None
    assert list(failed.state.pending_comments) == [SOURCE]
    assert "Fire is out" not in str(r.target.comments)

    r.target.down = False
    again = await reexamined(r, failed.state)
    assert again.retry is None
    [copy] = r.target.comments
    assert copy["id"] == "20000"
    assert "Fire is out" in str(copy["body"])
    assert marker(SOURCE) in str(copy["body"])
    assert again.state.comment_map == {SOURCE: "2:20000"}
    assert again.state.pending_comments == {}


async def test_a_removal_failing_for_the_whole_step_is_done_on_the_next_reexamine() -> None:
    r = rig([])
    r.target.comments = [{"id": "20000", "body": f"Printer on fire {marker(SOURCE)}"}]
    r.source.original = None  # deleted on site 1
    r.target.down = True
    delete = DeleteComment(2, "PROJ2-1", "20000", SOURCE)
    failed = await r.applier.carry(MAPPED, delete, NOW)  # the deletion's webhook
    assert failed.retry is not None
    assert list(failed.state.pending_comments) == [SOURCE]
    assert failed.state.comment_map == {SOURCE: "2:20000"}
    assert len(r.target.comments) == 1

    r.target.down = False
    again = await reexamined(r, failed.state)
    assert again.retry is None
    assert r.target.comments == []
    assert again.state.comment_map == {}
    assert again.state.pending_comments == {}


async def test_the_copy_of_a_lost_create_is_removed_when_its_original_is_gone() -> None:
    r = rig(["refused"] * 4 + ["lost"])
    failed = await r.applier.carry(PAIR, COPY, NOW)
    assert copies(r.target) == ["20000"]  # made, but the pair does not know it
    r.source.original = None  # deleted before the retry: its event found no copy to remove
    again = await reexamined(r, failed.state)
    assert again.retry is None
    assert r.target.comments == []  # found by its marker and removed
    assert again.state.comment_map == {}
    assert again.state.pending_comments == {}
