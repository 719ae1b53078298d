"""Webhook text is not ADF (``streams.sync.rich_text``): which creates must take their rich
text from a REST read, and how the router's first read stands in for the webhook's."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.sync.messages import CommentChanged, CreateCounterpart, IssueChanged, SyncConfig
from streams.sync.model import decide
from streams.sync.rich_text import read_through_rest

T0 = datetime(2026, 12, 1, tzinfo=UTC)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
WIKI = {"summary": "Rich", "description": "h2. One heading\n\n*bold*"}


def first(change: IssueChanged) -> CreateCounterpart:
    create = decide(change, None, CONFIG, T0).actions[0]
    assert isinstance(create, CreateCounterpart)
    return create


def test_a_create_from_webhook_text_asks_for_the_rest_read() -> None:
    webhook = IssueChanged(1, "created", "10001", "PROJ1-1", WIKI, T0, "w-1")
    assert first(webhook).webhook_text
    snapshot = IssueChanged(1, "snapshot", "10001", "PROJ1-1", WIKI, T0, "s-1")
    assert not first(snapshot).webhook_text  # read through REST already
    plain = IssueChanged(1, "created", "10001", "PROJ1-1", {"summary": "x", "description": None})
    assert not first(plain).webhook_text  # no rich text to get wrong


def test_the_routers_read_replaces_the_webhooks_rich_text() -> None:
    webhook = IssueChanged(1, "created", "10001", "PROJ1-1", WIKI, T0, "w-1")
    read = read_through_rest(webhook, {"description": "One heading\n\nbold"})
    assert isinstance(read, IssueChanged)
    assert read.values == {"summary": "Rich", "description": "One heading\n\nbold"}
    assert read.text_read
    create = first(read)
    assert not create.webhook_text
    assert create.values["description"] == "One heading\n\nbold"
    assert read_through_rest(webhook, None) is webhook  # nothing read: as it came
    comment = CommentChanged(1, "created", "10001", "PROJ1-1", "10010")
    assert read_through_rest(comment, {"description": "x"}) is comment
