"""Retries and dead letters, as pure functions: how long to wait before a retry, what a step's
result asks to be retried or dead-lettered, what the periodic sweep looks at again, and the
configuration that makes resolved custom fields synced ones. No Kafka, no JIRA, no loop:
the agents send what these return (``streams.sync.agents``), a replay marks pairs with the
same functions (``streams.sync.replay``)."""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from streams.jira.errors import retry_after_seconds
from streams.state import PairState, PairStatus
from streams.sync import echo_reads
from streams.sync.decision import Rejected
from streams.sync.fields import CustomField
from streams.sync.messages import PairMessage, Reexamine, SyncConfig

if TYPE_CHECKING:
    from streams.sync.engine import StepResult

SWEEP = "scheduled retry"  # the periodic retry's reason (``streams.sync.engine`` knows it too)


@dataclass(frozen=True)
class Backoff:
    """Retry delays: exponential from ``first``, capped, never shorter than Retry-After
    (itself capped at ``cap``; a non-finite one is ignored)."""

    first: float = 2.0
    cap: float = 300.0
    attempts: int = 10  # then the work goes to the dead-letter topic

    def delay(self, attempt: int, retry_after: float | None) -> float:
        exponential = min(self.cap, self.first * 2 ** (attempt - 1))
        jittered = exponential * random.uniform(0.8, 1.0)  # noqa: S311 - spreading, not secrecy
        honoured = min(self.cap, retry_after_seconds(retry_after) or 0.0)
        return float(max(honoured, jittered))


@dataclass(frozen=True)
class Letter:
    """A dead letter to send: which input it comes from and why it cannot be done."""

    source: str  # "commands" | "pair-changes" | "retry"
    reason: str


@dataclass(frozen=True)
class RetryDue:
    """A retry record: the pair is looked at again (``attempt``) once ``due``."""

    reason: str
    attempt: int
    due: datetime

    def to_bytes(self) -> bytes:
        record = {"reason": self.reason, "attempt": self.attempt, "due": self.due.isoformat()}
        return json.dumps(record).encode()


@dataclass(frozen=True)
class FollowUp:
    """What follows a pair step: the pair to keep, the dead letters and the retry to send."""

    state: PairState | None
    letters: tuple[Letter, ...] = ()
    retry: RetryDue | None = None

    @property
    def retry_due(self) -> datetime | None:
        return self.retry.due if self.retry is not None else None


def follow_up(
    message: PairMessage,
    before: PairState | None,
    result: StepResult,
    backoff: Backoff,
    now: datetime,
) -> FollowUp:
    """The retry a step asked for (with its attempt and due time), and the dead letters of
    what cannot be done: a rejected command, a new permanent failure, a retry past the last
    attempt."""
    state = result.state
    letters: list[Letter] = []
    if isinstance(result.outcome, Rejected):
        letters.append(Letter("commands", result.outcome.reason))
    if state is not None:
        state, reason = dead_letter_due(message, before, state)
        if reason is not None:
            letters.append(Letter("pair-changes", reason))
    if result.retry is None or state is None:
        return FollowUp(state, tuple(letters))
    attempt = message.attempt + 1 if isinstance(message, Reexamine) else 1
    if attempt > backoff.attempts:
        letters.append(
            Letter("retry", f"gave up after {attempt - 1} retries: {result.retry.reason}")
        )
        return FollowUp(state, tuple(letters))
    due = now + timedelta(seconds=backoff.delay(attempt, result.retry.after))
    retry = RetryDue(result.retry.reason, attempt, due)
    return FollowUp(retry_due_on(state, due), tuple(letters), retry)


def dead_letter_due(
    message: PairMessage, before: PairState | None, state: PairState
) -> tuple[PairState, str | None]:
    """The pair after a step, and the reason to dead-letter, if any (pure: a replay marks
    the pair the same way). A new permanent failure is dead-lettered once and the pair
    remembers it; the sweep (a ``Reexamine``) meeting the same failure again sends nothing,
    as nothing changed. A new event, a manual sync or a resolve that fails again does."""
    failure, old = state.failure, before.failure if before is not None else None
    if state.status is not PairStatus.FAILED or failure is None or failure.retryable:
        return state, None
    if failure == old:
        return state, None
    marked = state.model_copy(
        update={"failure": failure.model_copy(update={"dead_lettered": True})}
    )
    swept = isinstance(message, Reexamine) and old is not None and old.dead_lettered
    if swept and old is not None and old.reason == failure.reason:
        return marked, None
    return marked, failure.reason


def retry_due_on(state: PairState, due: datetime) -> PairState:
    """The pair's failure says when it is tried again."""
    if state.failure is None:
        return state
    failure = state.failure.model_copy(update={"next_retry_at": due})
    return state.model_copy(update={"failure": failure})


def needs_another_look(
    pair: PairState, now: datetime | None = None, echo_window: timedelta | None = None
) -> bool:
    """What the periodic retry picks up: failures (also permanent ones: a screen or a
    permission may have been fixed since), unconfirmed creates, writes and comment changes
    not recorded as done, unreachable statuses, pairs with an issue answering 404; given
    ``now`` and ``echo_window``, writes whose echo is not seen that long after the pair's
    last step (``echo_reads``), and a status taken, not read, not seen that long after
    (``assumed``)."""
    if now is not None and echo_window is not None and echo_reads.overdue(pair, now, echo_window):
        return True
    if now is not None and echo_window is not None and assumed_unseen(pair, now, echo_window):
        return True
    if pair.failure is not None or pair.pending_create is not None:
        return True
    if pair.pending_writes or pair.pending_comments or pair.status is PairStatus.UNREACHABLE:
        return True
    return any(warning.code == "status-unreachable" for warning in pair.warnings)


def with_custom_fields(config: SyncConfig, resolved: list[CustomField]) -> dict[str, Any]:
    """The ``SyncConfig`` changes that make ``resolved`` synced fields."""
    maps = dataclasses.replace(config.maps, custom=tuple(resolved))
    return {"maps": maps, "fields": (*config.fields, *(c.key for c in resolved))}


def assumed_unseen(pair: PairState, now: datetime, window: timedelta) -> bool:
    """A side's status taken, not read, that no webhook showed ``window`` after the
    pair's last step: the sweep reads it (``streams.sync.assumed``)."""
    return bool(pair.assumed_status) and now - pair.updated_at >= window
