"""One step of the engine for one pair: decide, read what the model asks, carry out, fold.

``decide`` (pure) answers the message; when it asks for fresh reads (``Fetch``) it is asked
again with them. Its facts (``Decision.events``) start the step; each action it chose is
then carried out by the effects (``Applier.apply``: one action, JIRA's answer as facts
and what it said, judged by the pure ``policies.after``), and the actions that chose from
the answer (``Applied.then``: the rest of a refused write, what a create screen left out,
a recovered create's status) run right after it. The step's ``events`` are its facts in
order (the reads, the decision, JIRA's answers); its ``state`` is
``fold(pair, events, now)``, which every step checks (``FoldMismatch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.jira.errors import JiraError, RetryableJiraError
from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.applier import Applier
from streams.sync.events import PairEvent, fold
from streams.sync.facts import ReadFailed, WritesIntended
from streams.sync.messages import (
    Fetch,
    Observation,
    PairMessage,
    RecoverCreate,
    Reexamine,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import DONE, Decision, Done, Outcome, RecoveringCreate, Rejected, decide
from streams.sync.running import Retry, observation, resolved

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
        after = await _step(message, result.state, config, applier, now)
        writes, events = result.writes + after.writes, [*result.events, *after.events]
        result = StepResult(after.state, after.note, after.retry, writes, events, after.outcome)
    if fold(pair, result.events, now) != result.state:
        raise FoldMismatch(f"the events of a step ({result.note}) do not fold to its state")
    return result


async def _step(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    decision = decide(message, pair, config, now)
    fetches = [action for action in decision.actions if isinstance(action, Fetch)]
    facts: list[PairEvent] = []
    if fetches:
        observed: dict[int, Observation] = {}
        for fetch in fetches:
            try:
                observed[fetch.site] = seen = await applier.observe(fetch)
            except JiraError as error:
                return _unread(pair, decision, fetch, error, facts, now)
            facts.append(observation(seen))
        decision = decide(message, pair, config, now, observed)
    facts.extend(decision.events)
    state, writes, outcome = decision.state, 0, decision.outcome
    asked = [a for a in decision.actions if isinstance(a, WriteFields | TransitionTo)]
    asked = [a for a in asked if a.issue_key]  # not the status of a counterpart being made
    if state is not None and asked:
        intended = WritesIntended(outcomes.asked_of(asked))
        state = outcomes.pending_on(state, intended.writes)
        facts.append(intended)
        await applier.before_writes(state)  # durable before anything is written
    queue = [(action, True) for action in decision.actions]
    while queue and state is not None:
        asked_for, decided = queue.pop(0)
        writes += 1 if decided and not isinstance(asked_for, RecoverCreate) else 0
        action = resolved(asked_for, state)
        if action is None:  # the counterpart it is about was not made
            continue
        applied = await applier.apply(state, action, now)
        state = applied.state
        facts.extend(applied.events)
        if applied.retry is not None:
            return StepResult(state, decision.note, applied.retry, writes, facts, outcome)
        queue[0:0] = [(follow, False) for follow in applied.then]  # next: what it called for
    return StepResult(state, decision.note, None, writes, facts, outcome)


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
