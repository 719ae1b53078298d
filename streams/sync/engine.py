"""One step of the engine for one pair: decide, read what the model asks, apply, fold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.jira.errors import JiraError, RetryableJiraError
from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.applier import Applier, Retry
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
from streams.sync.model import decide


@dataclass
class StepResult:
    state: PairState | None
    note: str
    retry: Retry | None = None
    writes: int = 0


async def handle(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    result = _retried_if_unreachable(message, await _step(message, pair, config, applier, now))
    recovered = (
        result.note == "unconfirmed create"
        and result.retry is None
        and result.state is not None
        and result.state.pending_create is None
    )
    if not recovered:
        return result
    # The lost create is found (or made): now the message itself is looked at.
    after = await _step(message, result.state, config, applier, now)
    return StepResult(after.state, after.note, after.retry, result.writes + after.writes)


async def _step(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    decision = decide(message, pair, config, now)
    fetches = [action for action in decision.actions if isinstance(action, Fetch)]
    if fetches:
        observed: dict[int, Observation] = {}
        for fetch in fetches:
            try:
                observed[fetch.site] = await applier.observe(fetch)
            except JiraError as error:
                return _unread(decision.state or pair, fetch, error, now, decision.note)
        decision = decide(message, pair, config, now, observed)
    state, writes = decision.state, 0
    asked = [a for a in decision.actions if isinstance(a, WriteFields | TransitionTo)]
    asked = [a for a in asked if a.issue_key]  # not the status of a counterpart being made
    if state is not None and asked:
        state = outcomes.writes_pending(state, asked)
        await applier.before_writes(state)  # durable before anything is written
    for action in decision.actions:
        if state is None:
            break
        applied = await applier.apply(state, action, now)
        state = applied.state
        writes += 0 if isinstance(action, RecoverCreate) else 1
        if applied.retry is not None:
            return StepResult(state, decision.note, applied.retry, writes)
    return StepResult(state, decision.note, None, writes)


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
    return StepResult(state, result.note, retry, result.writes)


def _unread(
    pair: PairState | None, fetch: Fetch, error: JiraError, now: datetime, note: str
) -> StepResult:
    """A side could not be read: nothing is decided; retryable errors come back later."""
    if pair is None:
        raise error
    retryable = isinstance(error, RetryableJiraError)
    state = outcomes.failed(pair, fetch, str(error), retryable=retryable, now=now)
    retry = Retry(str(error), error.retry_after) if isinstance(error, RetryableJiraError) else None
    return StepResult(state, f"read failed: {note}", retry)
