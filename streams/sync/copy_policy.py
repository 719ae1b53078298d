"""What a comment's copy needs, chosen step by step from what JIRA said (pure): after its
original is read (``CommentRead``), the copy is made, updated or removed; a copy whose
create was asked before (its answer may have been lost) is looked for by its marker first
(``CopyFound``); a known copy someone deleted is made again (``CopyMissing``), looked for
first when a post of it was asked since (a retried post whose answer was lost). Each step
is one JIRA call (``streams.sync.comment_copies``); the facts come with the last one."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from streams.jira.models import Comment
from streams.sync import comments
from streams.sync.comment_actions import (
    CopyComment,
    CopyStep,
    DeleteCopy,
    FindCopy,
    PostCopy,
    UpdateCopy,
)
from streams.sync.documents import NO_FILES, FileMap
from streams.sync.events import PairEvent
from streams.sync.facts import CommentCopied, CommentFiles, CommentUnmapped
from streams.sync.knowledge import UserMap
from streams.sync.running import CommentRead, CopyFound, CopyMissing, Followed, Said


class CommentPlan(Enum):
    REMOVE = "remove"  # the original is gone or internal: its copy goes (if there is one)
    UPDATE = "update"  # the copy is known: it takes the original's text
    CREATE = "create"  # no copy known: made (after looking for a lost one, when pending)


def comment_plan(original_public: bool, copy_id: str | None) -> CommentPlan:
    if not original_public:
        return CommentPlan.REMOVE
    return CommentPlan.UPDATE if copy_id is not None else CommentPlan.CREATE


def look_for_lost_copy(source: str, copy_id: str | None, pending: Iterable[str]) -> bool:
    """A copy not mapped whose create was asked before may exist (its answer was lost):
    it is looked for by its marker before it is made again or removed."""
    return copy_id is None and source in set(pending)


def next_step(
    action: CopyComment | CopyStep,
    said: Said | None,
    users: UserMap | None = None,
    files: FileMap = NO_FILES,
) -> Followed:
    """What follows a step of a comment's copy, from what JIRA said of it (``users``: whose
    mentions the copy names on the other site)."""
    if isinstance(said, CommentRead) and isinstance(action, CopyComment):
        return after_read(action, said.original, users, files)
    if isinstance(said, CopyFound) and isinstance(action, FindCopy):
        return after_search(action, said.found)
    if isinstance(said, CopyMissing) and isinstance(action, UpdateCopy):
        if action.copy.pending:  # a post of it was asked since: its answer may be lost
            return Followed(then=[FindCopy(action.copy, action.body, unmapped=True)])
        return Followed(then=[PostCopy(action.copy, action.body, unmapped=True)])
    return Followed()


def after_read(
    action: CopyComment,
    original: Comment | None,
    users: UserMap | None = None,
    files: FileMap = NO_FILES,
) -> Followed:
    """The original read: its copy removed (gone or internal), updated (known), looked
    for (asked before), or made."""
    copy_id, pending = action.copy_id, [action.source] if action.pending else []
    plan = comment_plan(original is not None and not original.internal, copy_id)
    if plan is CommentPlan.REMOVE or original is None:
        if look_for_lost_copy(action.source, copy_id, pending):
            return Followed(then=[FindCopy(action)])
        if copy_id is not None:
            return Followed(then=[DeleteCopy(action, copy_id)])
        return Followed([CommentUnmapped(action.source)])
    body = comments.copy_body(original, action.source, action.source_key, users, files)
    noted = _files_noted(action, comments.files_lacking(original, action.source, users, files))
    if plan is CommentPlan.UPDATE and copy_id is not None:
        return Followed(noted, [UpdateCopy(action, copy_id, body)])
    if look_for_lost_copy(action.source, copy_id, pending):
        return Followed(noted, [FindCopy(action, body)])
    return Followed(noted, [PostCopy(action, body)])


def _files_noted(action: CopyComment, lacking: list[str]) -> list[PairEvent]:
    """The files the copy will name as text, recorded when they differ from before."""
    return [] if tuple(lacking) == action.lacking else [CommentFiles(action.source, lacking)]


def after_search(action: FindCopy, found: Comment | None) -> Followed:
    """A lost copy looked for: removed, or recorded (its text brought up to date: the
    original may have been edited since), else made (or, to be removed, just forgotten)."""
    copy, source = action.copy, action.source
    if action.body is None:
        if found is None:
            return Followed([CommentUnmapped(source)])
        return Followed(then=[DeleteCopy(copy, found.id)])
    if found is None:
        return Followed(then=[PostCopy(copy, action.body, unmapped=action.unmapped)])
    if not comments.same_body(found.body, action.body):
        return Followed(then=[UpdateCopy(copy, found.id, action.body, found=True)])
    return Followed([CommentCopied(source, f"{action.site}:{found.id}")])
