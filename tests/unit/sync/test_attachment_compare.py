"""A file of the same name and size on the other side (a candidate) is compared by content
hash before it is taken as a new file's copy (pure: the plan asks, ``after`` judges what
the hashing found)."""

from __future__ import annotations

from streams.jira.models import Attachment
from streams.state import PairFailure
from streams.sync.attachment_actions import (
    CompareFiles,
    CopyAttachment,
    DeleteAttachment,
    FilesCompared,
    FindMedia,
    Hashed,
)
from streams.sync.attachment_facts import AttachmentCopied
from streams.sync.attachment_plan import after, planned
from streams.sync.attachment_wiring import with_attachments
from streams.sync.decision import Decision
from streams.sync.events import fold
from streams.sync.messages import Reexamine
from tests.unit.sync import pairs
from tests.unit.sync.test_attachment_plan import ALL, CONFIG, T0, file, listed, sync

SHOT = CopyAttachment(1, "11", "image.png", 10, "image/png", 2, "PROJ2-1")
ASKED = CompareFiles(SHOT, "2:21")
ONE, OTHER = Hashed("aa" * 32, 10), Hashed("bb" * 32, 10)


def png(id_: str) -> Attachment:
    return file(id_, "image.png", 10, "image/png")


def test_a_candidate_whose_bytes_hash_the_same_is_taken_as_the_copy() -> None:
    """The copy of a step that died before recording it: recorded with its hash, its media
    ids asked as for any copy the sync did not stream this time."""
    chosen = after(ASKED, FilesCompared(ONE, ONE), CONFIG)
    assert chosen.facts == [AttachmentCopied("1:11", "2:21", ONE.sha256, 10)]
    assert chosen.then == [FindMedia("1:11", "2:21")]
    state = fold(pairs.synced(T0), chosen.facts, T0)
    assert state is not None
    assert state.attachment_map == {"1:11": "2:21"}


def test_a_candidate_with_other_bytes_is_another_file_and_the_original_is_copied() -> None:
    """Two screenshots of one name and size: the file is copied, the candidate left alone
    (neither taken nor deleted)."""
    chosen = after(ASKED, FilesCompared(ONE, OTHER), CONFIG)
    assert chosen.facts == []
    assert chosen.then == [SHOT]
    assert not any(isinstance(one, DeleteAttachment) for one in chosen.then)


def test_a_candidate_gone_copies_the_file_and_an_original_gone_does_nothing() -> None:
    assert after(ASKED, FilesCompared(ONE, None), CONFIG).then == [SHOT]
    gone = after(ASKED, FilesCompared(None, None), CONFIG)
    assert (gone.facts, gone.then) == ([], [])  # the next listing settles it
    assert after(ASKED, None, CONFIG).then == []  # the hashing failed: the pair's retry


def test_one_candidate_is_compared_for_one_file_of_a_listing_at_most() -> None:
    """Two screenshots on site 1, one on site 2: the first is compared with it, the second
    copied at once; the candidate itself is not planned (it is being compared)."""
    chosen = planned(sync(), listed([png("11"), png("12")], [png("21")]), ALL)
    second = CopyAttachment(1, "12", "image.png", 10, "image/png", 2, "PROJ2-1")
    assert chosen.then == [ASKED, second]
    two = planned(sync(), listed([png("11"), png("12")], [png("21"), png("22")]), ALL)
    assert two.then == [ASKED, CompareFiles(second, "2:22")]


def test_a_known_copy_is_no_candidate_and_an_echo_costs_no_hashing() -> None:
    known = {"1:11": "2:21"}
    echo = planned(sync(known), listed([png("11")], [png("21")]), ALL)
    assert (echo.facts, echo.then) == ([], [])
    added = planned(sync(known), listed([png("11"), png("12")], [png("21")]), ALL)
    assert added.then == [CopyAttachment(1, "12", "image.png", 10, "image/png", 2, "PROJ2-1")]


def test_a_failed_hashing_is_retried_by_a_new_look() -> None:
    failure = PairFailure(reason="CompareFiles on site 1: HTTP 503", retryable=True, at=T0)
    failed = pairs.synced(T0).model_copy(update={"failure": failure})
    retry = with_attachments(Reexamine("retry"), failed, Decision(failed), CONFIG)
    assert [type(one).__name__ for one in retry.actions] == ["SyncAttachments"]
