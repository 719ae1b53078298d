"""A human's webhook provably newer than the pair's view of its side is that side's view:
only the other side is read before the merge (pure, ``streams.sync.views``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from streams.jira.adf import text_to_adf
from streams.settings import ConflictPolicy
from streams.state import FieldConflict
from streams.sync import outcomes
from streams.sync.messages import (
    Fetch,
    IssueChanged,
    Observation,
    SiteNumber,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import decide
from streams.sync.views import webhook_view
from tests.unit.sync import test_model
from tests.unit.sync.test_model import BASE, CONFIG, T0, linked_pair, seen

BOTH = [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]


def change(site: SiteNumber, minutes: int = 1, **kw: Any) -> IssueChanged:
    """A full issue webhook: it says the issue's security level (here none)."""
    return test_model.change(site, minutes, **({"security": None} | kw))


def test_a_trimmed_webhook_without_the_security_level_reads_both_sides() -> None:
    """The ``jira:issue_updated`` of a comment carries some fields only, not ``security``:
    a level set on the issue since could go unseen, so it is no view of its side."""
    trimmed = test_model.change(1, minutes=2, summary="New")
    assert "security" not in trimmed.values
    assert decide(trimmed, linked_pair(), CONFIG, T0).actions == BOTH


def test_a_webhook_showing_an_unmapped_level_holds_the_pair_back() -> None:
    restricted = change(1, minutes=2, summary="Secret plans", security="Internal")
    held = decide(restricted, linked_pair(), CONFIG, T0)
    assert (held.actions, held.note) == ([], "skipped: security level Internal")


def test_an_edit_webhook_newer_than_the_pairs_view_reads_the_other_side_only() -> None:
    edit = change(1, minutes=2, summary="New")
    asking = decide(edit, linked_pair(), CONFIG, T0)
    assert asking.actions == [Fetch(2, "PROJ2-1")]
    assert asking.note == "read site 2"
    merged = decide(edit, linked_pair(), CONFIG, T0, {2: seen(2)})
    assert merged.actions == [WriteFields(2, "PROJ2-1", {"summary": "New"})]
    assert merged.state is not None
    assert merged.state.markers["1"].updated == edit.updated.isoformat()  # type: ignore[union-attr]


def test_a_change_made_on_the_other_side_meanwhile_is_still_a_conflict() -> None:
    edit = change(1, minutes=2, summary="New")
    merged = decide(edit, linked_pair(), CONFIG, T0, {2: seen(2, summary="Theirs")})
    assert merged.actions == []
    assert merged.state is not None
    assert set(merged.state.conflicts) == {"summary"}


def test_a_webhook_not_newer_than_the_side_the_pair_saw_reads_both() -> None:
    pair = linked_pair()
    assert pair.markers["1"].updated == T0.isoformat()
    same_time = change(1, minutes=0, webhook="w-again", summary="New")
    assert decide(same_time, pair, CONFIG, T0).actions == BOTH
    unmarked = pair.model_copy(update={"markers": {}})
    assert decide(change(1, minutes=2, summary="New"), unmarked, CONFIG, T0).actions == BOTH


def test_the_integration_accounts_or_an_unknown_authors_webhook_reads_both() -> None:
    pair = linked_pair()
    for actor in ("bot-1", None):
        edit = change(1, minutes=2, actor=actor, summary="New")
        assert decide(edit, pair, CONFIG, T0).actions == BOTH
    unknown = dataclasses.replace(CONFIG, integration_accounts={})
    assert decide(change(1, minutes=2, summary="New"), pair, unknown, T0).actions == BOTH


def test_a_webhook_that_may_predate_a_write_of_ours_to_its_side_reads_both() -> None:
    """We wrote priority Low to site 1 since the pair last merged it: a webhook of site 1
    still showing High may be older than that write (High would be copied back)."""
    pair = outcomes.written(linked_pair(), WriteFields(1, "PROJ1-1", {"priority": "Low"}), T0)
    assert pair.unseen_writes["1"] == ["priority"]
    older = change(1, minutes=2, summary="New")  # priority High, as BASE
    assert decide(older, pair, CONFIG, T0).actions == BOTH
    holding = change(1, minutes=2, summary="New", priority="Low")
    assert decide(holding, pair, CONFIG, T0).actions == [Fetch(2, "PROJ2-1")]
    merged = decide(holding, pair, CONFIG, T0, {2: seen(2, priority="Low")})
    assert merged.actions == [WriteFields(2, "PROJ2-1", {"summary": "New"})]
    assert merged.state is not None
    assert merged.state.unseen_writes == {}


def test_changed_webhook_rich_text_is_read_unless_it_came_through_rest() -> None:
    pair = linked_pair()
    wiki = change(1, minutes=2, description="*bold* text")
    assert decide(wiki, pair, CONFIG, T0).actions == BOTH
    read = dataclasses.replace(wiki, text_read=True)
    assert decide(read, pair, CONFIG, T0).actions == [Fetch(2, "PROJ2-1")]
    same = change(1, minutes=2, summary="New", description=BASE["description"])
    assert decide(same, pair, CONFIG, T0).actions == [Fetch(2, "PROJ2-1")]


def test_webhook_wiki_showing_the_agreed_document_takes_the_document() -> None:
    document = text_to_adf("Plain words")
    agreed = linked_pair()
    pair = agreed.model_copy(update={"base": {**agreed.base, "description": document}})
    edit = change(1, minutes=2, summary="New", description="Plain words")
    view = webhook_view(edit, pair, CONFIG)
    assert view is not None
    assert view.values["description"] == document
    merged = decide(edit, pair, CONFIG, T0, {2: seen(2, description=document)})
    assert merged.actions == [WriteFields(2, "PROJ2-1", {"summary": "New"})]
    marked = change(1, minutes=2, summary="New", description="Other *words*")
    assert decide(marked, pair, CONFIG, T0).actions == BOTH


def test_webhook_wiki_that_can_only_be_plain_paragraphs_is_that_document() -> None:
    """A new description of plain words needs no read of its side: its document is the
    one its wiki markup can only mean (``documents.plain``)."""
    reworded = change(1, minutes=2, summary="New", description="Other words.\n\nAnd more (2)")
    view = webhook_view(reworded, linked_pair(), CONFIG)
    assert view is not None
    assert view.values["description"] == text_to_adf("Other words.\n\nAnd more (2)")
    assert decide(reworded, linked_pair(), CONFIG, T0).actions == [Fetch(2, "PROJ2-1")]


def test_a_pair_not_quiet_or_under_the_latest_policy_reads_both() -> None:
    edit = change(1, minutes=2, summary="New")
    conflict = FieldConflict(field="labels", site1=["a"], site2=["b"], detected_at=T0)
    conflicted = linked_pair().model_copy(update={"conflicts": {"labels": conflict}})
    assert decide(edit, conflicted, CONFIG, T0).actions == BOTH
    unsure = linked_pair().model_copy(update={"pending_writes": {"2": {"summary": "x"}}})
    assert decide(edit, unsure, CONFIG, T0).actions == BOTH
    latest = dataclasses.replace(CONFIG, policy=ConflictPolicy.LATEST)
    assert decide(edit, linked_pair(), latest, T0).actions == BOTH


def test_a_fresh_read_of_the_changed_side_wins_over_its_webhook() -> None:
    edit = change(1, minutes=2, summary="New")
    later = {1: seen(1, minutes=3, summary="Newer"), 2: seen(2)}
    merged = decide(edit, linked_pair(), CONFIG, T0, later)
    assert merged.actions == [WriteFields(2, "PROJ2-1", {"summary": "Newer"})]


def test_a_status_change_moves_from_the_status_the_other_side_was_read_in() -> None:
    moved = change(1, minutes=2, status="In Progress")
    there = seen(2)
    read = Observation(*dataclasses.astuple(there)[:5], fields={"status": {"name": "To Do"}})
    merged = decide(moved, linked_pair(), CONFIG, T0, {2: read})
    assert merged.actions == [TransitionTo(2, "PROJ2-1", "In Progress", start="To Do")]
