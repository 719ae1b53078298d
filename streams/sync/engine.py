"""One step of the engine for one pair: decide, read what the model asks, carry out, fold.

The step is a loop: ``decide`` (pure) answers the message; a decision that asks for fresh
reads (``Decision.reads``, ``Fetch``) asks for nothing else, and its facts are only what
the message settles whatever the reads say (a webhook id seen, a lost create adopted);
the reads are made and ``decide`` is asked again with them, and its answer must start
with those same facts (``ReadsMismatch``), so nothing of the first answer is dropped or
contradicted (a read that fails keeps them, with the failure). The decision's facts start
the step; each action it chose is then carried out (``Applier.carry``: one action through
the effects, JIRA's answer as facts and what it said, judged by the pure ``policies.after``,
then the actions that chose from the answer: the rest of a refused write, what a create
screen left out, a guarded move its history allows, the next step of a comment's copy).
The step's ``events`` are its facts in order (the reads, the decision, JIRA's answers);
its ``state`` is ``fold(pair, events, now)``, which every step checks (``FoldMismatch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.jira.errors import JiraError, RetryableJiraError
from streams.state import PairState, PairStatus
from streams.sync import outcomes, overwrites, rerender
from streams.sync.applier import Applier
from streams.sync.attachment_facts import AttachmentMedia
from streams.sync.events import PairEvent, fold
from streams.sync.facts import ReadFailed, WritesIntended
from streams.sync.messages import (
    Fetch,
    Observation,
    PairMessage,
    ReadEchoes,
    RecoverCreate,
    Reexamine,
    SyncAttachments,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import DONE, Decision, Done, Outcome, RecoveringCreate, Rejected, decide
from streams.sync.overwrites import EchoChecked, StatusMovedSince
from streams.sync.running import Retry, observation
from streams.sync.worklog_actions import SyncWorklogs

__all__ = ["Done", "Outcome", "RecoveringCreate", "Rejected", "StepResult", "handle"]


@dataclass
class StepResult:
    state: PairState | None
    note: str  # the human log text (``outcome`` is what the caller acts on)
    retry: Retry | None = None
    writes: int = 0
    events: list[PairEvent] = field(default_factory=list)  # the step's facts, in order
    outcome: Outcome = DONE


class FoldMismatch(AssertionError):
    """A step's events do not fold to its state: an effect moved the pair without a fact."""


class ReadsMismatch(AssertionError):
    """A decision given the reads it asked for does not start with what the decision that
    asked settled (or asks for the same reads again)."""


async def handle(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    result = _retried_if_unreachable(message, await _step(message, pair, config, applier, now))
    recovered = (
        isinstance(result.outcome, RecoveringCreate)
        and result.retry is None
        and result.state is not None
        and result.state.pending_create is None
    )
    if recovered:  # the lost create is found (or made): now the message itself is looked at
        result = _then(result, await _step(message, result.state, config, applier, now))
    if _files_learned(result) and rerender.due(rerender.learn(result.state, config.maps)):
        again = Reexamine(rerender.REASON)  # a document can now be written whole
        result = _then(result, await _step(again, result.state, config, applier, now))
    if any(_moved_or_put_back(fact) for fact in result.events):
        again = Reexamine(overwrites.REASON)  # the value put back merged with the other side
        result = _then(result, await _step(again, result.state, config, applier, now))
    if fold(pair, result.events, now) != result.state:
        raise FoldMismatch(f"the events of a step ({result.note}) do not fold to its state")
    return result


def _then(first: StepResult, after: StepResult) -> StepResult:
    """One step made of two: the second's answer, both steps' writes and facts."""
    writes, events = first.writes + after.writes, [*first.events, *after.events]
    return StepResult(after.state, after.note, after.retry, writes, events, after.outcome)


def _moved_or_put_back(fact: PairEvent) -> bool:
    """An edit the sync overwrote put back, or a move not made (someone moved it first)."""
    if isinstance(fact, EchoChecked):
        return bool(fact.before)
    return isinstance(fact, StatusMovedSince)


def _files_learned(result: StepResult) -> bool:
    return any(isinstance(fact, AttachmentMedia) for fact in result.events)


async def _step(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    rerender.learn(pair, config.maps)
    decision = decide(message, pair, config, now)
    facts: list[PairEvent] = []
    observed: dict[int, Observation] = {}
    while decision.reads:  # decide -> read -> decide with the reads
        for fetch in decision.reads:
            if fetch.site in observed:
                raise ReadsMismatch(f"site {fetch.site} read again ({decision.note})")
            try:
                observed[fetch.site] = seen = await applier.observe(fetch)
            except JiraError as error:
                return _unread(pair, decision, fetch, error, facts, now)
            facts.append(observation(seen))
        asking, decision = decision, decide(message, pair, config, now, observed)
        if decision.events[: len(asking.events)] != asking.events:
            raise ReadsMismatch(f"the reads undid what the message settled ({decision.note})")
    facts.extend(decision.events)
    state, writes, outcome = decision.state, 0, decision.outcome
    asked = [a for a in decision.actions if isinstance(a, WriteFields | TransitionTo)]
    asked = [a for a in asked if a.issue_key]  # not the status of a counterpart being made
    if state is not None and asked:
        intended = WritesIntended(outcomes.asked_of(asked))
        state = outcomes.pending_on(state, intended.writes)
        facts.append(intended)
        await applier.before_writes(state)  # durable before anything is written
    for action in decision.actions:
        if state is None:  # the pair is gone: nothing to carry out
            break
        writes += (
            0
            if isinstance(action, RecoverCreate | SyncAttachments | SyncWorklogs | ReadEchoes)
            else 1
        )
        carried = await applier.carry(state, action, now)  # with what it called for
        state = carried.state
        facts.extend(carried.events)
        if carried.retry is not None:
            return StepResult(state, decision.note, carried.retry, writes, facts, outcome)
    return StepResult(state, decision.note, None, writes, facts, outcome)


NOT_WRITES = (RecoverCreate, SyncAttachments, SyncWorklogs, ReadEchoes)  # not counted as writes
SWEEP = "scheduled retry"  # the periodic retry's reason (``streams.sync.worker``)


def _retried_if_unreachable(message: PairMessage, result: StepResult) -> StepResult:
    """A pair that cannot read one of its issues is retried with backoff, as a failure is;
    the periodic retry starts no new round of retries (it comes back by itself)."""
    state = result.state
    if result.retry is not None or state is None or state.status is not PairStatus.UNREACHABLE:
        return result
    if isinstance(message, Reexamine) and message.reason == SWEEP:
        return result
    retry = Retry("an issue of the pair answers 404 (deleted or not visible)", None)
    return StepResult(state, result.note, retry, result.writes, result.events, result.outcome)


def _unread(
    pair: PairState | None,
    decision: Decision,
    fetch: Fetch,
    error: JiraError,
    facts: list[PairEvent],
    now: datetime,
) -> StepResult:
    """A side could not be read: nothing is decided; retryable errors come back later."""
    if pair is None:
        raise error
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    failed = ReadFailed(fetch.site, str(error), isinstance(error, RetryableJiraError), after)
    events = [*facts, *decision.events, failed]
    retry = Retry(str(error), after) if failed.retryable else None
    return StepResult(fold(pair, events, now), f"read failed: {decision.note}", retry, 0, events)
