"""What carrying out one action gives back: its facts, the retry JIRA asked for, and the
actions the pure policies chose next (``streams.sync.policies``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from streams.jira.errors import JiraError, RetryableJiraError
from streams.state import PairState
from streams.sync.events import IssueObserved, PairEvent
from streams.sync.facts import Cleared, Track, Warned, WriteFailed
from streams.sync.fields import Rendered
from streams.sync.messages import JUST_MADE, Action, CopyComments, Observation, TransitionTo


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float | None


@dataclass
class Applied:
    state: PairState
    retry: Retry | None = None
    events: list[PairEvent] = dataclasses.field(default_factory=list)  # JIRA's answers
    then: list[Action] = dataclasses.field(default_factory=list)  # the policies' next actions


@dataclass
class Run(Track):
    """One action being carried out: its running fold, and the actions chosen next."""

    then: list[Action] = dataclasses.field(default_factory=list)


def failed(action: Action, error: JiraError) -> WriteFailed:
    """The fact of ``action`` failing: for good (permanent), or to be retried."""
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
    return IssueObserved(
        seen.site,
        seen.issue_id,
        seen.issue_key,
        seen.values,
        seen.fields,
        seen.updated,
        seen.exists,
    )


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
