"""A description written on trust, checked by its echo's wiki text (pure,
``streams.sync.overwrites``): JIRA's changelog holds rich text as wiki markup, which says
whether the field held the agreed document just before the write."""

from __future__ import annotations

import dataclasses
from typing import Any

from streams.jira.adf import text_to_adf
from streams.jira.webhooks import Changelog
from streams.state import PairState
from streams.sync.events import fold
from streams.sync.facts import FieldsWritten
from streams.sync.fields import FieldMaps
from streams.sync.messages import Fetch, IssueChanged, SiteNumber, WriteFields
from streams.sync.model import decide
from streams.sync.overwrites import EchoChecked, changelog_values
from tests.unit.sync import test_model
from tests.unit.sync.test_model import CONFIG, T0, linked_pair

OURS = {1: "sync-1", 2: "sync-2"}
TRUSTING = dataclasses.replace(CONFIG, trust_agreed=True, integration_accounts=OURS)
OLD, NEW = text_to_adf("Old words"), text_to_adf("New words")
RED = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "paragraph",
            "content": [
                {
                    "type": "text",
                    "text": "Red words",
                    "marks": [{"type": "textColor", "attrs": {"color": "#ff0000"}}],
                }
            ],
        }
    ],
}


def agreed(description: Any = OLD) -> PairState:
    pair = linked_pair()
    return pair.model_copy(update={"base": {**pair.base, "description": description}})


def change(site: SiteNumber, **kw: Any) -> IssueChanged:
    made = test_model.change(site, 2, **({"security": None} | kw))
    return dataclasses.replace(made, actor="alice")


def written() -> PairState:
    fact = FieldsWritten(2, {"description": NEW}, before={"description": OLD})
    state = fold(agreed(), [fact], T0)
    assert state is not None
    return state


def echo(was: str) -> IssueChanged:
    made = test_model.change(2, 3, security=None, description="New words")
    return dataclasses.replace(made, actor="sync-2", changelog={"description": [was, "New words"]})


def test_trusted_a_plain_new_description_is_written_with_no_read() -> None:
    decision = decide(change(1, description="New words"), agreed(), TRUSTING, T0)
    assert decision.actions == [
        WriteFields(2, "PROJ2-1", {"description": NEW}, {"description": OLD})
    ]


def test_a_description_whose_changes_wiki_text_cannot_show_is_read() -> None:
    decision = decide(change(1, description="New words"), agreed(RED), TRUSTING, T0)
    assert decision.actions == [Fetch(2, "PROJ2-1")]


def test_the_echo_from_the_agreed_text_confirms_the_write() -> None:
    pair = written()
    assert pair.believed == {"2": {"description": [OLD, NEW]}}
    seen = decide(echo("Old words"), pair, TRUSTING, T0)
    [checked] = [fact for fact in seen.events if isinstance(fact, EchoChecked)]
    assert (checked.fields, checked.lost, seen.actions) == (("description",), {}, [])


def test_a_description_someone_wrote_first_is_put_back_as_its_document() -> None:
    plain = decide(echo("Bob's words"), written(), TRUSTING, T0)
    restore = WriteFields(2, "PROJ2-1", {"description": text_to_adf("Bob's words")}, restore=True)
    assert plain.actions == [restore]
    marked = decide(echo("Bob's *bold* words"), written(), TRUSTING, T0)
    [write] = marked.actions
    assert isinstance(write, WriteFields)
    [paragraph] = write.values["description"]["content"]
    assert {"type": "strong"} in paragraph["content"][1]["marks"]  # the markup read back


def test_description_items_read_back_as_wiki_text() -> None:
    items = [{"field": "description", "fieldId": "description", "fromString": "a", "toString": ""}]
    changelog = Changelog.model_validate({"items": items})
    assert changelog_values(2, changelog, FieldMaps()) == {"description": ["a", None]}
