"""A success status with an answer that is not what the API documents (an HTML page from
a proxy, a list, ``{}``) is ``UnexpectedAnswer``, a retryable ``JiraError``, from every
client call: never a pydantic ``ValidationError`` or an ``AttributeError`` that would
escape the agents (issue 16, item 10a)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from streams.jira.client import JiraClient
from streams.jira.errors import JiraError, UnexpectedAnswer
from streams.jira.transport import Params
from tests.unit.jira.scripted import Scripted

HTML = "<html><body>Atlassian is down for maintenance</body></html>"


class Answering(Scripted):
    """Answers every request with the same body (as a 200)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    async def answered(self, method: str, path: str, params: Params | None, json: Any) -> Any:
        return self.answer


async def first(iterator: Any) -> Any:
    async for item in iterator:
        return item
    return None


CALLS: dict[str, Callable[[JiraClient], Awaitable[Any]]] = {
    "get_issue": lambda c: c.get_issue("A-1"),
    "create_issue": lambda c: c.create_issue({"summary": "s"}),
    "transitions": lambda c: c.transitions("A-1"),
    "comments": lambda c: first(c.comments("A-1")),
    "add_comment": lambda c: c.add_comment("A-1", {"type": "doc"}),
    "comment": lambda c: c.comment("A-1", "1"),
    "update_comment": lambda c: c.update_comment("A-1", "1", {"type": "doc"}),
    "get_property": lambda c: c.get_property("A-1", "jira-sync.link"),
    "search": lambda c: first(c.search("project = A")),
    "changelog": lambda c: first(c.changelog("A-1")),
    "myself": lambda c: c.myself(),
    "server_info": lambda c: c.server_info(),
    "fields": lambda c: c.fields(),
    "priorities": lambda c: c.priorities(),
    "find_users": lambda c: c.find_users("bob"),
}
# What each call cannot take: every call refuses HTML; these refuse a list or {} too.
OBJECT_CALLS = set(CALLS) - {"fields", "priorities", "find_users"}
NEEDS_FIELDS = {"get_issue", "create_issue", "add_comment", "comment", "update_comment", "myself"}


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_an_html_page_is_an_unexpected_answer(call: str) -> None:
    with pytest.raises(UnexpectedAnswer) as raised:
        await CALLS[call](JiraClient(Answering(HTML)))
    assert raised.value.retryable
    assert "maintenance" in str(raised.value)


@pytest.mark.parametrize("call", sorted(OBJECT_CALLS))
async def test_a_list_where_an_object_belongs_is_an_unexpected_answer(call: str) -> None:
    with pytest.raises(UnexpectedAnswer):
        await CALLS[call](JiraClient(Answering([{"id": "1"}])))


@pytest.mark.parametrize("call", sorted(NEEDS_FIELDS))
async def test_an_empty_object_is_an_unexpected_answer(call: str) -> None:
    with pytest.raises(UnexpectedAnswer):
        await CALLS[call](JiraClient(Answering({})))


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        ("transitions", {"transitions": {"id": "1"}}),
        ("transitions", {"transitions": [{"id": "1"}]}),
        ("comments", {"comments": "none", "total": 1}),
        ("search", {"issues": [{"key": "A-1"}]}),
        ("search", {"issues": [], "nextPageToken": 7, "isLast": False}),
        ("changelog", {"values": [{"items": []}]}),
        ("fields", [["customfield_1"]]),
        ("find_users", [{"displayName": "no account id"}]),
    ],
)
async def test_malformed_parts_of_an_answer_are_unexpected(call: str, answer: Any) -> None:
    with pytest.raises(UnexpectedAnswer):
        await CALLS[call](JiraClient(Answering(answer)))


async def test_documented_answers_still_read() -> None:
    issue = await JiraClient(Answering({"id": "1", "key": "A-1", "fields": {}})).get_issue("A-1")
    assert issue.key == "A-1"
    assert await JiraClient(Answering({"key": "p", "value": {"v": 1}})).get_property("A-1", "p")
    assert await first(JiraClient(Answering({"issues": []})).search("x")) is None
    assert issubclass(UnexpectedAnswer, JiraError)
