"""Issue moves in the decision model: moved out of the synced project -> orphaned with a
reason, nothing written or deleted; moved in -> a new pair, as for a create."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from streams.settings import DeletionPolicy
from streams.state import FieldConflict, PairStatus
from streams.sync.messages import (
    CommentChanged,
    CreateCounterpart,
    IssueChanged,
    Observation,
    Reexamine,
    Resolve,
    SiteNumber,
    TransitionTo,
)
from streams.sync.model import decide
from streams.sync.moves import project_of
from tests.unit.sync.test_model import CONFIG, T0, change, linked_pair, seen


def moved(site: SiteNumber = 1, minutes: int = 2, **values: Any) -> IssueChanged:
    """An event of the pair's issue on ``site`` after it moved to OTHER-7."""
    return dataclasses.replace(change(site, minutes=minutes, **values), issue_key="OTHER-7")


@pytest.mark.parametrize("site", [1, 2])
@pytest.mark.parametrize("policy", list(DeletionPolicy))
def test_an_issue_moved_out_orphans_the_pair_and_touches_neither_side(
    site: SiteNumber, policy: DeletionPolicy
) -> None:
    config = dataclasses.replace(CONFIG, deletion=policy)
    event = moved(site, summary="changed while moving")
    decision = decide(event, linked_pair(), config, T0)
    assert decision.actions == []  # no write, no unlink, no delete of the counterpart
    assert decision.note == "moved to OTHER-7"
    assert decision.state is not None
    assert decision.state.status is PairStatus.ORPHANED
    [warning] = decision.state.warnings
    assert warning.code == "issue-moved"
    assert warning.message.startswith("moved to OTHER-7")
    assert decision.state.base == linked_pair().base

    partner: SiteNumber = 1 if site == 2 else 2
    for later in (moved(site, minutes=3, summary="again"), change(partner, 4)):
        after = decide(later, decision.state, config, T0)
        assert (after.actions, after.note) == ([], "orphaned")
    comment = CommentChanged(site=1, kind="created", issue_id="10001", issue_key="PROJ1-1",
                             comment_id="5")  # fmt: skip
    assert decide(comment, decision.state, config, T0).actions == []


def test_a_comment_on_an_issue_already_moved_is_not_copied_and_orphans() -> None:
    """The comment's webhook (new key) may come before the move's."""
    comment = CommentChanged(site=1, kind="created", issue_id="10001", issue_key="OTHER-7",
                             comment_id="5", webhook_id="c-1")  # fmt: skip
    decision = decide(comment, linked_pair(), CONFIG, T0)
    assert (decision.actions, decision.note) == ([], "moved to OTHER-7")
    assert decision.state is not None
    assert decision.state.status is PairStatus.ORPHANED
    by_id = dataclasses.replace(comment, issue_key="10001")  # no key in the event: no move
    assert decide(by_id, linked_pair(), CONFIG, T0).note == "comment"


def test_a_deletion_event_of_an_issue_moved_away_deletes_nothing() -> None:
    config = dataclasses.replace(CONFIG, deletion=DeletionPolicy.DELETE)
    event = dataclasses.replace(moved(1), kind="deleted")
    decision = decide(event, linked_pair(), config, T0)
    assert decision.actions == []
    assert decision.note == "moved to OTHER-7"


def test_a_fresh_read_by_the_old_key_that_answers_from_another_project_orphans() -> None:
    """The move's webhook was lost: an edit of the other side reads both fresh; JIRA answers
    the old key with the moved issue, under its new key."""
    pair, edit = linked_pair(), change(2, minutes=3, summary="partner edit")
    first = decide(edit, pair, CONFIG, T0)
    assert first.note == "read both sides"
    elsewhere = Observation(1, "10001", "OTHER-7", dict(seen(1).values), T0)
    observed = {1: elsewhere, 2: seen(2, 3, summary="partner edit")}
    decision = decide(edit, pair, CONFIG, T0, observed)
    assert (decision.actions, decision.note) == ([], "moved to OTHER-7")
    assert decision.state is not None
    assert decision.state.status is PairStatus.ORPHANED
    retried = decide(Reexamine("sweep"), pair, CONFIG, T0, observed)
    assert (retried.actions, retried.note) == ([], "moved to OTHER-7")
    conflict = FieldConflict(field="summary", base="a", site1="b", site2="c", detected_at=T0)
    conflicted = pair.model_copy(update={"conflicts": {"summary": conflict}})
    resolved = decide(Resolve(2, conflicted.sync_id), conflicted, CONFIG, T0, observed)
    assert (resolved.actions, resolved.note) == ([], "moved to OTHER-7")


def test_an_issue_moved_in_is_new_and_gets_a_counterpart() -> None:
    """Created in OTHER (ignored), then moved into PROJ1 (same id, new key): a new pair."""
    outside = dataclasses.replace(change(1, minutes=0, kind="created"), issue_key="OTHER-3")
    assert decide(outside, None, CONFIG, T0).state is None
    moved_in = dataclasses.replace(change(1, minutes=1), issue_key="PROJ1-9")
    decision = decide(moved_in, None, CONFIG, T0)
    assert decision.state is not None
    assert decision.state.pair_id == "1:10001"
    create = decision.actions[0]
    assert isinstance(create, CreateCounterpart)
    assert (create.site, create.project_key, create.origin_key) == (2, "PROJ2", "PROJ1-9")
    assert isinstance(decision.actions[1], TransitionTo)


def test_a_key_names_its_project_and_an_id_names_none() -> None:
    assert project_of("PROJ1-12") == "PROJ1"
    assert project_of("other_2-1") == "OTHER_2"
    assert project_of("10001") is None
