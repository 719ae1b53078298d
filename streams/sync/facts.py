"""The pair's domain events (``streams.sync.events``): what a step decided and what JIRA
answered, each a frozen past-tense fact whose ``applied_to`` is the pure move of the state
(``streams.sync.outcomes``). A step's state is ``fold(state_before, step.events, now)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.state import PairState, PendingCreate, SiteNumber
from streams.sync import outcomes, overwrites
from streams.sync.events import PairEvent, event, needs_pair


@event
@dataclass(frozen=True)
class WritesIntended(PairEvent):
    """Values about to be written (per side, ``"1"``/``"2"``), made durable before any is
    sent: a step that dies leaves them for the next one to confirm."""

    writes: dict[str, dict[str, Any]]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.pending_on(needs_pair(pair, self), self.writes)


@event
@dataclass(frozen=True)
class CreateIntended(PairEvent):
    """A counterpart create about to be asked of JIRA, with its nonce and signed marker."""

    intent: PendingCreate

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return needs_pair(pair, self).model_copy(update={"pending_create": self.intent})


@event
@dataclass(frozen=True)
class CounterpartCreated(PairEvent):
    """JIRA created the counterpart with ``values``; ``held``: what it holds instead."""

    site: SiteNumber
    issue_id: str
    issue_key: str
    values: dict[str, Any]
    held: dict[str, Any] | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        return outcomes.created_on(
            pair, self.site, self.issue_id, self.issue_key, self.values, at, self.held
        )


@event
@dataclass(frozen=True)
class CreateFound(PairEvent):
    """A create whose answer was lost is found by its marker: the counterpart exists."""

    site: SiteNumber
    issue_id: str
    issue_key: str
    values: dict[str, Any]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        return outcomes.created_on(pair, self.site, self.issue_id, self.issue_key, self.values, at)


@event
@dataclass(frozen=True)
class FieldsUnagreed(PairEvent):
    """Values a create screen left out: not agreed, so the next merge copies them."""

    values: dict[str, Any]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.unagreed(needs_pair(pair, self), self.values, at)


@event
@dataclass(frozen=True)
class FieldsWritten(PairEvent):
    """JIRA took a field write; ``held``: what the issue holds instead of a value asked."""

    site: SiteNumber
    values: dict[str, Any]
    held: dict[str, Any] | None = None
    before: dict[str, Any] | None = None  # the side's values read before (``overwrites``)
    agreed: bool = True  # False: a restore of values the sync overwrote (the base stays)

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        written = outcomes.written_on(pair, self.site, self.values, at, self.held, self.agreed)
        believed = overwrites.believed_after(pair, self.site, self.values, self.before)
        return written.model_copy(update={"believed": believed})


@event
@dataclass(frozen=True)
class StatusReached(PairEvent):
    """The issue is in ``status`` (moved, or there already), with ``resolution`` asked."""

    site: SiteNumber
    status: str
    resolution: str | None = None
    held: dict[str, Any] | None = None
    before: str | None = None  # the status one transition left (``overwrites``)
    agreed: bool = True  # False: a status the sync overwrote put back (the base stays)
    assumed: bool = False  # taken, not read, to be there (``streams.sync.assumed``)

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        values = {"status": self.status, "resolution": self.resolution}
        written = outcomes.written_on(pair, self.site, values, at, self.held, self.agreed)
        written = outcomes.status_assumed(written, self.site, self.assumed)
        if self.before is None:
            return written
        moved = {"status": self.status}
        believed = overwrites.believed_after(pair, self.site, moved, {"status": self.before})
        return written.model_copy(update={"believed": believed})


@event
@dataclass(frozen=True)
class WriteFailed(PairEvent):
    """JIRA refused (``retryable`` False) or failed (True) an action (``action``: its
    kind); ``retry_after``: the seconds JIRA asked to wait, if it said."""

    action: str
    site: SiteNumber
    reason: str
    retryable: bool
    retry_after: float | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        return outcomes.failed_at(pair, self.action, self.site, self.reason, self.retryable, at)


@event
@dataclass(frozen=True)
class ReadFailed(PairEvent):
    """A side could not be read: nothing was decided."""

    site: SiteNumber
    reason: str
    retryable: bool
    retry_after: float | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        return outcomes.failed_at(pair, "Fetch", self.site, self.reason, self.retryable, at)


@event
@dataclass(frozen=True)
class Warned(PairEvent):
    """The pair carries a warning (one per ``code`` and ``field``)."""

    code: str
    message: str
    field: str | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.warned(needs_pair(pair, self), self.code, self.message, at, self.field)


@event
@dataclass(frozen=True)
class Cleared(PairEvent):
    """A warning no longer holds."""

    code: str
    field: str | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.cleared(needs_pair(pair, self), self.code, at, self.field)


@event
@dataclass(frozen=True)
class WarningsCleared(PairEvent):
    """Every warning of ``code`` no longer holds (whichever fields they named)."""

    code: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        for warning in [w for w in state.warnings if w.code == self.code]:
            state = outcomes.cleared(state, self.code, at, warning.field)
        return state


@dataclass(frozen=True)
class CommentFact(PairEvent):
    """A fact about the copy of the original ``source`` (``"site:id"``): it moves the pair
    by the ``outcomes`` function ``COMMENT_MOVES`` names for its class."""

    source: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return COMMENT_MOVES[type(self).__name__](needs_pair(pair, self), self.source, at)


@event
@dataclass(frozen=True)
class CommentPending(CommentFact):
    """A comment copy is about to be asked of JIRA, or its copy, edit or removal failed:
    the next merge of the pair does it again."""


@event
@dataclass(frozen=True)
class CommentFiles(PairEvent):
    """The copy of ``source`` names these files as text (canonical media ids; none: it
    shows all its files): it is written again once one of them is copied."""

    source: str
    lacking: list[str]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        kept = {k: v for k, v in state.comment_files.items() if k != self.source}
        files = {**kept, self.source: list(self.lacking)} if self.lacking else kept
        update = {"comment_files": files, "version": state.version + 1, "updated_at": at}
        return state.model_copy(update=update)


@event
@dataclass(frozen=True)
class CommentCopied(PairEvent):
    """The original ``source`` (``"site:id"``) has its copy ``copy`` (made or found)."""

    source: str
    copy: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return outcomes.comment_copied(needs_pair(pair, self), self.source, self.copy, at)


@event
@dataclass(frozen=True)
class CommentUpdated(CommentFact):
    """The copy holds its original again."""


@event
@dataclass(frozen=True)
class CommentUnmapped(CommentFact):
    """The copy is gone (removed with its original, or deleted by someone)."""


COMMENT_MOVES: dict[str, Callable[[PairState, str, datetime], PairState]] = {
    "CommentPending": outcomes.comment_pending,
    "CommentUpdated": outcomes.comment_updated,
    "CommentUnmapped": outcomes.comment_unmapped,
}
