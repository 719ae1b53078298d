"""The comment actions: a comment's copy made, updated or removed, and an origin's
earlier comments copied (``streams.sync.comment_copies`` carries them out)."""

from __future__ import annotations

from dataclasses import dataclass

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
