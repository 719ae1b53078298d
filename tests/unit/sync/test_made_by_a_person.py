"""A person's new issue routed without a read (pure, ``rich_text.made_by_a_person``)."""

from __future__ import annotations

import dataclasses

from streams.jira.adf import text_to_adf
from streams.sync.fields import FieldMaps
from streams.sync.messages import CopyComments, IssueChanged
from streams.sync.model import decide
from streams.sync.rich_text import made_by_a_person
from tests.unit.sync import test_model

MAPS = FieldMaps()


def created(description: str | None, actor: str | None = "alice") -> IssueChanged:
    change = test_model.change(1, 0, description=description)
    return dataclasses.replace(change, kind="created", actor=actor)


def test_a_persons_plain_new_issue_takes_its_documents_from_the_webhook() -> None:
    change = created("Printer on fire.\n\nIt smokes")
    fresh = made_by_a_person(change, "sync-1", MAPS)
    assert fresh is not None
    assert fresh.text_read
    assert fresh.values["description"] == text_to_adf("Printer on fire.\n\nIt smokes")
    empty = made_by_a_person(created(None), "sync-1", MAPS)
    assert empty is not None
    assert empty.values["description"] is None


def test_formatted_text_the_syncs_own_or_an_unknown_author_is_read() -> None:
    assert made_by_a_person(created("*bold*"), "sync-1", MAPS) is None
    assert made_by_a_person(created("x", "sync-1"), "sync-1", MAPS) is None
    assert made_by_a_person(created("x", None), "sync-1", MAPS) is None
    assert made_by_a_person(created("x"), None, MAPS) is None
    updated = dataclasses.replace(created("x"), kind="updated")
    assert made_by_a_person(updated, "sync-1", MAPS) is None


def test_the_first_event_of_a_new_issue_reads_no_comments_any_other_does() -> None:
    """No comment event of the issue came before its own ``issue_created`` (the router saw
    it first), so no comment waits to be copied: the create reads none."""
    first = made_by_a_person(created("Plain"), "sync-1", MAPS)
    assert first is not None
    actions = decide(first, None, test_model.CONFIG, test_model.T0).actions
    assert not [a for a in actions if isinstance(a, CopyComments)]
    seen_after = decide(created("Plain"), None, test_model.CONFIG, test_model.T0).actions
    assert [a for a in seen_after if isinstance(a, CopyComments)]
    snapshot = dataclasses.replace(first, kind="snapshot")
    assert [
        a
        for a in decide(snapshot, None, test_model.CONFIG, test_model.T0).actions
        if isinstance(a, CopyComments)
    ]
