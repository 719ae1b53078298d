"""What the periodic retry picks up (``needs_another_look``)."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.state import PairFailure, PairWarning, PendingCreate
from streams.sync.retrying import needs_another_look
from tests.unit.sync import pairs

NOW = datetime(2026, 11, 26, tzinfo=UTC)
CALM = pairs.synced(NOW)


def test_calm_pairs_and_harmless_warnings_are_left_alone() -> None:
    assert not needs_another_look(CALM)
    screen = PairWarning(code="field-not-on-screen", message="m", field="labels", at=NOW)
    assert not needs_another_look(CALM.model_copy(update={"warnings": [screen]}))


def test_failures_unconfirmed_creates_and_unreachable_statuses_are_looked_at_again() -> None:
    for retryable in (True, False):
        failure = PairFailure(reason="r", retryable=retryable, at=NOW)
        assert needs_another_look(CALM.model_copy(update={"failure": failure}))
    pending = PendingCreate(site=2, project_key="PROJ2", origin_key="PROJ1-1", requested_at=NOW)
    assert needs_another_look(CALM.model_copy(update={"pending_create": pending}))
    stuck = PairWarning(code="status-unreachable", message="m", field="status", at=NOW)
    assert needs_another_look(CALM.model_copy(update={"warnings": [stuck]}))


def test_writes_and_comment_changes_not_recorded_as_done_are_looked_at_again() -> None:
    unsure = {"2": {"summary": "asked of site 2"}}
    assert needs_another_look(CALM.model_copy(update={"pending_writes": unsure}))
    assert needs_another_look(CALM.model_copy(update={"pending_comments": {"1:10010": NOW}}))
