"""Copying an origin's earlier comments: a copy JIRA refuses stops the loop, and the copies
made before it stay recorded (forgotten, they would be posted again at the next merge)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from streams.jira.errors import BadRequest, ServerError
from streams.jira.models import Comment
from streams.sync.applier import Applier
from streams.sync.messages import CopyComments, SyncConfig
from tests.unit.sync import pairs

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAIR = pairs.synced(NOW, ("1", "P1-1"), ("2", "P2-1"), version=1)


def doc(text: str) -> dict[str, Any]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


class Origin:
    def __init__(self, count: int, listing_fails_after: int | None = None) -> None:
        self.count, self.fails_after = count, listing_fails_after

    async def comments(self, key: str) -> AsyncIterator[Comment]:
        for n in range(1, self.count + 1):
            if self.fails_after is not None and n > self.fails_after:
                raise ServerError("GET", f"/issue/{key}/comment", 503, ["down"], {})
            yield Comment(id=str(n), body=doc(f"comment {n}"))

    async def comment(self, key: str, comment_id: str) -> Comment:
        return Comment(id=comment_id, body=doc(f"comment {comment_id}"))


class Target:
    def __init__(self, refuse_after: int | None = None) -> None:
        self.made: list[dict[str, Any]] = []
        self.refuse_after = refuse_after

    async def add_comment(
        self, key: str, body: dict[str, Any], properties: dict[str, Any] | None = None
    ) -> Comment:
        if self.refuse_after is not None and len(self.made) == self.refuse_after:
            raise BadRequest("POST", f"/issue/{key}/comment", 400, ["refused"], {})
        self.made.append(body)
        return Comment(id=f"9{len(self.made)}")

    async def comments(self, key: str) -> AsyncIterator[Comment]:
        for _ in ():
            yield Comment(id="never")


def applier(origin: Origin, target: Target) -> Applier:
    config = SyncConfig(project_keys={1: "P1", 2: "P2"})
    made = Applier({}, config, {1: "https://one", 2: "https://two"})
    made.clients = {1: origin, 2: target}  # type: ignore[dict-item]  # stubs of JiraClient
    return made


async def test_a_refused_copy_keeps_the_copies_made_before_it() -> None:
    target = Target(refuse_after=2)
    applied = await applier(Origin(3), target).apply(PAIR, CopyComments(1, "P1-1", 2, "P2-1"), NOW)
    assert len(target.made) == 2
    assert applied.state.comment_map == {"1:1": "2:91", "1:2": "2:92"}
    assert applied.state.failure is not None
    assert "refused" in applied.state.failure.reason


async def test_a_listing_that_fails_midway_keeps_the_copies_made_and_is_retried() -> None:
    target = Target()
    origin = Origin(3, listing_fails_after=1)
    applied = await applier(origin, target).apply(PAIR, CopyComments(1, "P1-1", 2, "P2-1"), NOW)
    assert len(target.made) == 1
    assert applied.state.comment_map == {"1:1": "2:91"}
    assert applied.retry is not None
