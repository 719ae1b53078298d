"""Files in rich text (pure): a media node names a file by its media id; once a file is
copied, a document naming it on one side names its copy on the other, both sides' documents
are one canonical value, and a document written while the file was missing there is written
again once it is not (``streams.sync.rerender``)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from streams.jira.adf import canonical_adf
from streams.jira.models import Comment
from streams.sync import rerender
from streams.sync.attachment_facts import AttachmentMedia
from streams.sync.comment_actions import CopyComment, PostCopy, UpdateCopy
from streams.sync.copy_policy import after_read
from streams.sync.documents import FileMap, canonical_document, for_site
from streams.sync.events import fold
from streams.sync.facts import CommentCopied, CommentFiles
from streams.sync.fields import FieldMaps, render
from streams.sync.running import prepared
from tests.sandbox.adf_documents import paragraph, text
from tests.unit.sync.pairs import synced

T0 = datetime(2026, 12, 1, tzinfo=UTC)
ONE, TWO = "aaaa-site-1-file", "bbbb-site-2-copy"
NAMED = paragraph(text("[shot.png]"))
MEDIA = {"attachment_media": {"1:10001": [ONE, TWO]}}


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def image(media_id: str) -> dict[str, Any]:
    media = {"type": "media", "attrs": {"id": media_id, "type": "file", "alt": "shot.png"}}
    return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]}


def described(media_id: str) -> dict[str, Any]:
    return doc(paragraph(text("See the picture")), image(media_id))


def test_a_file_and_its_copy_are_one_canonical_value_whichever_side_added_it() -> None:
    maps = FieldMaps(files=FileMap({ONE: TWO}))
    on_one = canonical_document(1, described(ONE), maps.users, maps.files)
    assert canonical_document(2, described(TWO), maps.users, maps.files) == on_one
    unknown = canonical_document(2, described(TWO), maps.users)  # not known as a copy
    assert unknown != on_one


def test_a_copied_file_is_named_by_its_copy_on_the_other_side_both_ways() -> None:
    maps = FieldMaps(files=FileMap({ONE: TWO}))
    value = canonical_document(1, described(ONE), maps.users, maps.files)
    to_two = render(2, {"description": value}, maps)
    assert to_two.fields["description"] == canonical_adf(described(TWO))
    assert (to_two.held, to_two.problems) == ({}, {})
    theirs = canonical_document(2, described("cccc-site-2-own"), maps.users, maps.files)
    assert for_site(1, theirs, maps.users, maps.files).lost == ("[shot.png]",)
    maps.files.learn("dddd-site-1-copy", "cccc-site-2-own")
    made = for_site(1, theirs, maps.users, maps.files)
    assert (made.document, made.lost) == (canonical_adf(described("dddd-site-1-copy")), ())


def written_while_missing() -> tuple[Any, FieldMaps]:
    """A pair agreed on a site 1 description with an image, written to site 2 before the
    image was copied: site 2 holds the ``[shot.png]`` paragraph instead."""
    maps = FieldMaps()
    value = canonical_document(1, described(ONE), maps.users)
    rendered = render(2, {"description": value}, maps)
    assert rendered.fields["description"] == doc(paragraph(text("See the picture")), NAMED)
    pair = synced(T0).model_copy(
        update={"base": {"description": value}, "held": {"2": dict(rendered.held)}}
    )
    return pair, maps


def test_a_document_held_without_its_file_is_written_again_once_the_copy_is_known() -> None:
    pair, maps = written_while_missing()
    holding = {2: {"description": pair.held["2"]["description"]}, 1: {}}
    assert not rerender.due(rerender.learn(pair, maps))
    assert rerender.rewrites(pair, holding, maps) == {}
    learned = fold(pair, [AttachmentMedia("1:10001", ONE, TWO)], T0)
    assert learned is not None
    assert learned.attachment_media == {"1:10001": [ONE, TWO]}
    assert rerender.due(rerender.learn(learned, maps))
    assert maps.files.two_of(ONE) == TWO
    again = rerender.rewrites(learned, holding, maps)
    assert again == {2: {"description": pair.base["description"]}}
    rendered = render(2, again[2], maps)
    assert rendered.fields["description"] == canonical_adf(described(TWO))
    assert rendered.held == {}


def test_a_held_document_edited_since_is_not_written_over() -> None:
    """A person changed site 2's description after the sync wrote it: the merge copies
    that edit; the stale value is not written over it."""
    pair, maps = written_while_missing()
    assert rerender.due(rerender.learn(pair.model_copy(update=MEDIA), maps))
    edited = copy.deepcopy(pair.held["2"]["description"])
    edited["content"][0]["content"][0]["text"] = "See the picture, now"
    assert rerender.rewrites(pair, {2: {"description": edited}}, maps) == {}


def test_a_comment_copied_before_its_file_is_written_again_once_the_file_is_there() -> None:
    """The copy names the file as text and the pair keeps which file; once the file's copy
    is known, the merge copies the comment again (reading its original), and the copy made
    then shows the file and clears the note."""
    original = Comment(id="10010", body=described(ONE), author={"displayName": "Al"})
    copy = CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1", copy_id=None)
    maps = FieldMaps()
    before = after_read(copy, original, maps.users, maps.files)
    assert before.facts == [CommentFiles("1:10010", [ONE])]
    assert isinstance(before.then[0], PostCopy)
    pair = fold(synced(T0), [*before.facts, CommentCopied("1:10010", "2:20010")], T0)
    assert pair is not None
    assert pair.comment_files == {"1:10010": [ONE]}
    assert rerender.comments_due(pair, maps) == []
    assert not rerender.due(rerender.learn(pair, maps))
    known = pair.model_copy(update=MEDIA)
    assert rerender.due(rerender.learn(known, maps))
    [again] = rerender.comments_due(known, maps)
    assert (again.source, again.site, again.issue_key) == ("1:10010", 2, "PROJ2-1")
    prepared_again = prepared(again, known)
    assert isinstance(prepared_again, CopyComment)
    after = after_read(prepared_again, original, maps.users, maps.files)
    assert after.facts == [CommentFiles("1:10010", [])]
    [update] = after.then
    assert isinstance(update, UpdateCopy)
    assert TWO in str(update.body)
    cleared = fold(known, after.facts, T0)
    assert cleared is not None
    assert cleared.comment_files == {}
