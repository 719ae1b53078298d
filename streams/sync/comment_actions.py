"""The comment actions: a comment's copy made, updated or removed, and an origin's
earlier comments copied (``streams.sync.comment_copies`` carries them out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from streams.sites import SiteNumber


@dataclass(frozen=True)
class CopyComment:
    """Read the comment on ``source_site`` and create or update its copy on ``site``
    (with an attribution header); a comment now internal has its copy removed."""

    source_site: SiteNumber
    source_key: str
    comment_id: str
    site: SiteNumber
    issue_key: str
    # Filled in from the pair before it is carried out (``running.prepared``): the copy
    # known, and whether a create of it was asked before (its answer may have been lost).
    copy_id: str | None = None
    pending: bool = False
    lacking: tuple[str, ...] = ()  # the files its copy names as text (``comment_files``)

    @property
    def source(self) -> str:
        """The original's ref (``"1:10010"``), as the pair's comment map names it."""
        return f"{self.source_site}:{self.comment_id}"


@dataclass(frozen=True)
class CopyComments:
    """Copy every public comment of ``source_key`` that has no copy yet to ``issue_key``
    ("" for the counterpart the step has just made or found): the comments written before
    the pair was complete, whose own events found no counterpart to copy them to."""

    source_site: SiteNumber
    source_key: str
    site: SiteNumber
    issue_key: str
    # Filled in from the pair before it is carried out (``running.prepared``): the comment
    # refs with a copy or that are copies, and those whose copy was asked before.
    known: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeleteComment:
    site: SiteNumber
    issue_key: str
    comment_id: str
    source: str  # the original's ref ("1:10010"), unmapped once the copy is gone


# --- the steps of one comment's copy, which ``streams.sync.copy_policy`` chooses after a
# ``CopyComment``'s read of the original: each one JIRA call (a post with its retries) ---


@dataclass(frozen=True)
class CopyStep:
    """A step of ``copy``: on its site and issue; a failure is the copy's."""

    copy: CopyComment

    @property
    def site(self) -> SiteNumber:
        return self.copy.site

    @property
    def issue_key(self) -> str:
        return self.copy.issue_key

    @property
    def source(self) -> str:
        return self.copy.source


@dataclass(frozen=True)
class FindCopy(CopyStep):
    """Look for a copy whose create may have happened (its answer lost) by its marker;
    ``body``: the copy's text when it is to be made, None when it is to be removed;
    ``unmapped``: the copy known before is gone."""

    body: dict[str, Any] | None = None
    unmapped: bool = False


@dataclass(frozen=True)
class UpdateCopy(CopyStep):
    """The copy ``copy_id`` takes ``body``; ``found``: it is one found by its marker (then
    it is recorded as the copy; one known that is gone is made again)."""

    copy_id: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    found: bool = False


@dataclass(frozen=True)
class PostCopy(CopyStep):
    """The copy made (durable as pending first); ``unmapped``: the one known was gone."""

    body: dict[str, Any] = field(default_factory=dict)
    unmapped: bool = False


@dataclass(frozen=True)
class DeleteCopy(CopyStep):
    """The copy ``copy_id`` removed: its original is gone or internal now."""

    copy_id: str = ""
