"""What carrying out one action gives back (``Answer``): its facts, the retry JIRA asked
for, and what JIRA said that a pure policy still has to judge (``Said``: a refused write,
what a create screen left out, the candidates of a recovery search, the resolution a move
left, a guarded move's status history, a comment's original, a lost copy looked for, two
files hashed), which ``streams.sync.policies.after`` turns into more facts and the next
actions; and the pure glue between a pair and its effects: an action given what it needs
of the pair (``prepared``, ``resolved``), since the effects never see a ``PairState``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from streams.jira.errors import JiraError, RetryableJiraError
from streams.jira.models import Comment
from streams.state import PairState
from streams.sync.attachment_actions import (
    AttachmentsListed,
    FilesCompared,
    SyncAttachments,
    UploadRefused,
)
from streams.sync.comment_actions import CopyStep
from streams.sync.events import IssueObserved, PairEvent
from streams.sync.facts import Cleared, Warned, WriteFailed
from streams.sync.fields import Rendered
from streams.sync.issue_links import LinksRead, SyncLinks
from streams.sync.messages import (
    JUST_MADE,
    Action,
    CopyComment,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    Observation,
    TransitionTo,
    Unlink,
    carried,
)
from streams.sync.parent_actions import ParentRead, SyncParent
from streams.sync.worklog_actions import SyncWorklogs, WorklogsListed

REFUSED_WARNING = "field-not-on-screen"  # a write's fields the edit screen refused


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float | None


@dataclass(frozen=True)
class Candidate:
    """An issue a search for a lost create answered: its marker and creator."""

    issue_id: str
    issue_key: str | None
    marker: Any
    creator: str | None  # account id; None when JIRA did not say


@dataclass(frozen=True)
class Refused:
    """The edit screen refused fields of a write (JIRA's field ids), with JIRA's reason;
    nothing of the write was made."""

    field_ids: list[str]
    reason: str


@dataclass(frozen=True)
class LeftOut:
    """``create`` made ``issue_key``, without the fields (ids) its create screen lacks."""

    create: CreateCounterpart
    issue_key: str
    field_ids: list[str]


@dataclass(frozen=True)
class Searched:
    """The recent issues a search for a lost create answered, newest first."""

    candidates: list[Candidate]


@dataclass(frozen=True)
class Moved:
    """A transition reached its status: the resolution a screen on the way took (this
    site's name), else the one the issue holds after (canonical; read only when the move
    asked for one and no screen took it); ``began``: the status (this site's name) it
    was known in just before, when one transition took it there (``transitions.Walked``);
    ``assumed``: not read, taken to be there (``streams.sync.assumed``)."""

    given: str | None
    holds: str | None
    began: str | None = None
    assumed: bool = False


@dataclass(frozen=True)
class StatusHistory:
    """A guarded move found the new issue in ``current``, not its target, and its
    changelog's status changes made by ``authors`` (account ids; None: JIRA named none)."""

    current: str
    authors: list[str | None]


@dataclass(frozen=True)
class EchoesRead:
    """The sync's own changes of an issue, from its changelog: field -> [from, to] of the
    newest change of each watched field (``echo_reads``)."""

    seen: dict[str, list[Any]]


@dataclass(frozen=True)
class CommentRead:
    """A comment's original read fresh (None: it is gone)."""

    original: Comment | None


@dataclass(frozen=True)
class CopyFound:
    """A comment copy looked for by its marker (None: there is none)."""

    found: Comment | None


@dataclass(frozen=True)
class CopyMissing:
    """The copy an update was asked of is gone (someone deleted it)."""


Said = (
    Refused
    | LeftOut
    | Searched
    | Moved
    | StatusHistory
    | EchoesRead
    | CommentRead
    | CopyFound
    | CopyMissing
    | AttachmentsListed
    | FilesCompared
    | UploadRefused
    | LinksRead
    | ParentRead
    | WorklogsListed
)


@dataclass(frozen=True)
class Followed:
    """What a pure policy made of an answer: facts, the actions to run next, a retry."""

    facts: list[PairEvent] = dataclasses.field(default_factory=list)
    then: list[Action] = dataclasses.field(default_factory=list)
    retry: Retry | None = None


@dataclass
class Applied:
    state: PairState
    retry: Retry | None = None
    events: list[PairEvent] = dataclasses.field(default_factory=list)  # JIRA's answers
    then: list[Action] = dataclasses.field(default_factory=list)  # the policies' next actions


@dataclass
class Answer:
    """What one action's effect says happened: facts in order, a retry, and what JIRA
    said that is for the policies to judge (``said``)."""

    events: list[PairEvent] = dataclasses.field(default_factory=list)
    retry: Retry | None = None
    said: Said | None = None

    def add(self, *facts: PairEvent) -> None:
        self.events.extend(facts)

    def checkpoint(self) -> int:
        return len(self.events)

    def rollback(self, point: int) -> None:
        """Forgets the facts added since ``point`` (an action that failed as a whole)."""
        del self.events[point:]


# Makes the facts so far durable before the effect writes (an intent before a create).
Durable = Callable[[list[PairEvent]], Awaitable[None]]


def prepared(action: Action, pair: PairState) -> Action:
    """``action`` with what its effect needs to know of the pair filled in."""
    if isinstance(action, CopyComment):
        copy = pair.comment_map.get(action.source)
        copy_id = copy.partition(":")[2] if copy else None
        pending = action.source in pair.pending_comments
        lacking = tuple(pair.comment_files.get(action.source, ()))
        return dataclasses.replace(action, copy_id=copy_id, pending=pending, lacking=lacking)
    if isinstance(action, CopyComments):
        known = frozenset(pair.comment_map) | frozenset(pair.comment_map.values())
        asked = frozenset(pair.pending_comments)
        return dataclasses.replace(action, known=known, pending=asked)
    if isinstance(action, CrossLink):
        return dataclasses.replace(action, pair_id=pair.pair_id, keys=_keys(pair))
    if isinstance(action, Unlink):
        return dataclasses.replace(action, pair_id=pair.pair_id)
    if isinstance(action, SyncParent):
        return dataclasses.replace(action, keys=_keys(pair))
    if isinstance(action, SyncLinks):
        return dataclasses.replace(action, keys=_keys(pair), made=frozenset(pair.links_made))
    if isinstance(action, SyncAttachments):
        keys = _keys(pair)
        keys = keys if all(keys) else ("", "")
        media, mapped = frozenset(pair.attachment_media), dict(pair.attachment_map)
        return dataclasses.replace(action, keys=keys, known=mapped, with_media=media)
    if isinstance(action, SyncWorklogs):
        keys = _keys(pair)
        keys = keys if all(keys) else ("", "")
        return dataclasses.replace(action, keys=keys, known=dict(pair.worklog_map))
    return action


def _keys(pair: PairState) -> tuple[str, str]:
    """The pair's two issue keys ("" for a side it does not have)."""
    return (pair.site1.key if pair.site1 else "", pair.site2.key if pair.site2 else "")


def failed(action: Action, error: JiraError) -> WriteFailed:
    """The fact of ``action`` failing (a copy's step: the copy's): for good (permanent),
    or to be retried."""
    action = action.copy if isinstance(action, CopyStep) else action
    retryable = isinstance(error, RetryableJiraError)
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return WriteFailed(type(action).__name__, action.site, str(error), retryable, after)


def retry_of(error: RetryableJiraError) -> Retry:
    return Retry(str(error), error.retry_after)


def resolved(action: Action, pair: PairState) -> Action | None:
    """``action`` with the key of the counterpart just made (``JUST_MADE``) filled in from
    the pair; None when none was made (the create failed: there is nothing to move)."""
    if not isinstance(action, TransitionTo | CopyComments) or action.issue_key != JUST_MADE:
        return action
    made = pair.side(action.site)
    return None if made is None else dataclasses.replace(action, issue_key=made.key)


def observation(seen: Observation) -> IssueObserved:
    """The fact of a fresh read."""
    return carried(IssueObserved, seen)


def reported(values: dict[str, Any], rendered: Rendered) -> list[PairEvent]:
    """Warnings for the values a site could not take; cleared for those it took."""
    facts: list[PairEvent] = []
    for name in values:
        problem = rendered.problems.get(name)
        if problem is None:
            facts.append(Cleared("value-missing", name))
        else:
            facts.append(Warned("value-missing", problem, field=name))
    return facts
