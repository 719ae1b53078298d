"""The choices the effects made between two JIRA calls, now made by ``policies.after`` from
what one call said: a guarded move's history. Pure: no emulator, no HTTP, no loop."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.sync.facts import StatusReached
from streams.sync.messages import ReadResolution, SyncConfig, TransitionTo
from streams.sync.policies import after
from streams.sync.running import Moved, StatusHistory

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, integration_accounts={2: "sync"})
GUARDED = TransitionTo(2, "PROJ2-1", "Done", guarded=True)


def test_a_new_issue_only_the_sync_moved_is_moved_from_where_it_is() -> None:
    chosen = after(GUARDED, StatusHistory("To Do", ["sync", "sync"]), CONFIG, T0)
    assert chosen.facts == []
    assert chosen.then == [TransitionTo(2, "PROJ2-1", "Done", start="To Do")]
    untouched = after(GUARDED, StatusHistory("To Do", []), CONFIG, T0)
    assert untouched.then == [TransitionTo(2, "PROJ2-1", "Done", start="To Do")]


def test_a_new_issue_someone_else_moved_stays_and_counts_as_reached() -> None:
    for authors in (["sync", "alice"], [None]):  # None: an author JIRA does not name
        chosen = after(GUARDED, StatusHistory("In Progress", authors), CONFIG, T0)
        assert chosen.then == []
        [reached] = [f for f in chosen.facts if isinstance(f, StatusReached)]
        assert reached == StatusReached(2, "Done", None, {})


def test_a_kept_status_has_its_resolution_read_when_the_origin_has_one() -> None:
    move = TransitionTo(2, "PROJ2-1", "Done", guarded=True, resolution="Fixed")
    chosen = after(move, StatusHistory("In Progress", ["alice"]), CONFIG, T0)
    assert chosen.facts == []
    assert chosen.then == [ReadResolution(move)]
    read = after(ReadResolution(move), Moved(None, "Won't Do"), CONFIG, T0)
    [reached] = [f for f in read.facts if isinstance(f, StatusReached)]
    assert reached == StatusReached(2, "Done", "Fixed", {"resolution": "Won't Do"})
    same = after(ReadResolution(move), Moved(None, "Fixed"), CONFIG, T0)
    assert StatusReached(2, "Done", "Fixed", {}) in same.facts
