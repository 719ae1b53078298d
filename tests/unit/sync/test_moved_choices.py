"""The choices the effects made between two JIRA calls, now made by ``policies.after`` from
what one call said: a guarded move's history, and each step of a comment's copy. Pure: no
emulator, no HTTP, no loop."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from streams.jira.adf import text_to_adf
from streams.jira.errors import ServerError
from streams.jira.models import Comment
from streams.sync.comment_actions import DeleteCopy, FindCopy, PostCopy, UpdateCopy
from streams.sync.comments import copy_body
from streams.sync.facts import CommentCopied, CommentUnmapped, StatusReached
from streams.sync.messages import CopyComment, ReadResolution, SyncConfig, TransitionTo
from streams.sync.policies import after
from streams.sync.running import (
    CommentRead,
    CopyFound,
    CopyMissing,
    Followed,
    Moved,
    StatusHistory,
    failed,
)

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


# --- a comment's copy: what its original's read, a search for a lost copy and an update
# of a copy someone deleted call for ----------------------------------------------------

COPY = CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1")
KNOWN = dataclasses.replace(COPY, copy_id="20000")
ASKED = dataclasses.replace(COPY, pending=True)  # a create was asked: its answer may be lost
ORIGINAL = Comment(id="10010", body=text_to_adf("Printer on fire"), author={"displayName": "Al"})
BODY = copy_body(ORIGINAL, "1:10010", "PROJ1-1")


def test_a_new_original_is_copied_and_a_known_copy_updated() -> None:
    assert after(COPY, CommentRead(ORIGINAL), CONFIG, T0) == Followed(then=[PostCopy(COPY, BODY)])
    assert after(KNOWN, CommentRead(ORIGINAL), CONFIG, T0) == Followed(
        then=[UpdateCopy(KNOWN, "20000", BODY)]
    )


def test_an_original_asked_to_be_copied_before_has_its_copy_looked_for_first() -> None:
    assert after(ASKED, CommentRead(ORIGINAL), CONFIG, T0).then == [FindCopy(ASKED, BODY)]
    known = dataclasses.replace(KNOWN, pending=True)  # mapped: its copy is known
    assert after(known, CommentRead(ORIGINAL), CONFIG, T0).then == [
        UpdateCopy(known, "20000", BODY)
    ]


def test_an_original_gone_or_internal_has_its_copy_removed() -> None:
    internal = ORIGINAL.model_copy(update={"visibility": {"type": "role", "value": "Admins"}})
    assert internal.internal
    for original in (None, internal):
        assert after(KNOWN, CommentRead(original), CONFIG, T0).then == [DeleteCopy(KNOWN, "20000")]
        never = after(COPY, CommentRead(original), CONFIG, T0)  # no copy: only forgotten
        assert never == Followed([CommentUnmapped("1:10010")])
        assert after(ASKED, CommentRead(original), CONFIG, T0).then == [FindCopy(ASKED)]


def test_a_lost_copy_found_is_recorded_updated_or_removed() -> None:
    same = Comment(id="20007", body=BODY)
    assert after(FindCopy(ASKED, BODY), CopyFound(same), CONFIG, T0) == Followed(
        [CommentCopied("1:10010", "2:20007")]
    )
    old = Comment(id="20007", body=text_to_adf("an older text"))
    assert after(FindCopy(ASKED, BODY), CopyFound(old), CONFIG, T0).then == [
        UpdateCopy(ASKED, "20007", BODY, found=True)
    ]
    assert after(FindCopy(ASKED), CopyFound(old), CONFIG, T0).then == [DeleteCopy(ASKED, "20007")]


def test_a_lost_copy_not_found_is_made_or_just_forgotten() -> None:
    assert after(FindCopy(ASKED, BODY), CopyFound(None), CONFIG, T0).then == [PostCopy(ASKED, BODY)]
    forgotten = after(FindCopy(ASKED), CopyFound(None), CONFIG, T0)
    assert forgotten == Followed([CommentUnmapped("1:10010")])


def test_a_known_copy_someone_deleted_is_made_again_unmapped() -> None:
    gone = after(UpdateCopy(KNOWN, "20000", BODY), CopyMissing(), CONFIG, T0)
    assert gone == Followed(then=[PostCopy(KNOWN, BODY, unmapped=True)])


def test_a_deleted_copy_whose_new_post_may_have_been_made_is_looked_for_first() -> None:
    # the copy someone deleted was posted again, and that post failed after JIRA may have
    # made it: the comment is pending with the old copy still mapped
    again = dataclasses.replace(KNOWN, pending=True)
    gone = after(UpdateCopy(again, "20000", BODY), CopyMissing(), CONFIG, T0)
    assert gone == Followed(then=[FindCopy(again, BODY, unmapped=True)])
    made = Comment(id="20009", body=BODY)
    found = after(FindCopy(again, BODY, unmapped=True), CopyFound(made), CONFIG, T0)
    assert found == Followed([CommentCopied("1:10010", "2:20009")])  # not posted twice
    none = after(FindCopy(again, BODY, unmapped=True), CopyFound(None), CONFIG, T0)
    assert none.then == [PostCopy(again, BODY, unmapped=True)]


def test_a_failed_step_of_a_copy_is_the_copys_failure() -> None:
    error = ServerError("POST", "/rest/api/3/issue/PROJ2-1/comment", 503, ["down"], {})
    assert failed(PostCopy(KNOWN, BODY), error) == failed(KNOWN, error)
    assert failed(PostCopy(KNOWN, BODY), error).action == "CopyComment"
