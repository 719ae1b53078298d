"""Retry scheduling and dead letters after a pair step: what ``retrying.follow_up`` decides
(pure), and what the pair agent then sends (``Sinks.follow``, with fake topics)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from streams.state import PairFailure, PairState, PairStatus
from streams.sync.applier import Retry
from streams.sync.engine import Rejected, StepResult
from streams.sync.kafka_io import Sinks
from streams.sync.messages import IssueChanged, PairMessage, Reexamine
from streams.sync.normalize import message_to_json
from streams.sync.retrying import Backoff, Letter, dead_letter_due, follow_up

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PAIR = PairState(pair_id="1:10001", version=2, origin=1, status=PairStatus.PENDING, updated_at=NOW)


@dataclass
class Topic:
    sent: list[tuple[bytes | None, dict[str, Any]]] = field(default_factory=list)

    async def send(self, key: bytes | None, value: bytes) -> None:
        self.sent.append((key, json.loads(value)))


def sinks() -> Sinks:
    return Sinks(Topic(), Topic(), Topic(), Topic(), {1: Topic(), 2: Topic()}, Topic())


def backoff(attempts: int = 3) -> Backoff:
    return Backoff(first=2.0, cap=60.0, attempts=attempts)


async def _follow_up(
    backoff: Backoff,
    out: Sinks,
    key: bytes,
    message: PairMessage,
    before: PairState | None,
    result: StepResult,
    now: datetime,
) -> tuple[PairState | None, datetime | None]:
    """What the pair agent does after a step: decide (pure), then send."""
    decided = follow_up(message, before, result, backoff, now)
    await out.follow(key, message_to_json(message), decided)
    return decided.state, decided.retry_due


def failing(retryable: bool) -> PairState:
    failure = PairFailure(reason="HTTP 503", retryable=retryable, at=NOW)
    status = PairStatus.PENDING if retryable else PairStatus.FAILED
    return PAIR.model_copy(update={"failure": failure, "status": status})


def test_backoff_grows_is_capped_and_never_undercuts_retry_after() -> None:
    backoff = Backoff(first=2.0, cap=60.0)
    assert 1.6 <= backoff.delay(1, None) <= 2.0
    assert 12.8 <= backoff.delay(4, None) <= 16.0
    assert 48.0 <= backoff.delay(10, None) <= 60.0
    assert backoff.delay(1, 30.0) == 30.0


async def test_a_retry_is_scheduled_with_its_attempt_and_due_time() -> None:
    out = sinks()
    result = StepResult(failing(True), "merge", Retry("HTTP 503", after=10.0))
    state, due_back = await _follow_up(
        backoff(), out, b"1:10001", Reexamine("r", attempt=1), PAIR, result, NOW
    )
    [(key, record)] = cast(Topic, out.retry).sent
    assert key == b"1:10001"
    assert record["attempt"] == 2
    due = datetime.fromisoformat(record["due"])
    assert NOW + timedelta(seconds=10) <= due <= NOW + timedelta(seconds=10.01)
    assert state is not None
    assert state.failure is not None
    assert state.failure.next_retry_at == due == due_back
    assert cast(Topic, out.dead_letter).sent == []


async def test_after_the_last_attempt_the_work_is_dead_lettered_not_retried() -> None:
    out = sinks()
    result = StepResult(failing(True), "merge", Retry("HTTP 503", after=None))
    await _follow_up(backoff(3), out, b"1:10001", Reexamine("r", attempt=3), PAIR, result, NOW)
    assert cast(Topic, out.retry).sent == []
    [(_, letter)] = cast(Topic, out.dead_letter).sent
    assert letter["reason"] == "gave up after 3 retries: HTTP 503"
    assert letter["value"]["type"] == "reexamine"


async def test_a_new_permanent_failure_is_dead_lettered_once() -> None:
    out = sinks()
    failed = failing(False)
    result = StepResult(failed, "merge")
    await _follow_up(backoff(), out, b"1:10001", Reexamine("r"), PAIR, result, NOW)
    await _follow_up(backoff(), out, b"1:10001", Reexamine("r"), failed, result, NOW)
    [(_, letter)] = cast(Topic, out.dead_letter).sent
    assert letter["reason"] == "HTTP 503"
    assert cast(Topic, out.retry).sent == []


def test_a_sweep_meeting_the_same_permanent_failure_sends_no_new_dead_letter() -> None:
    first = failing(False)
    marked, letter = dead_letter_due(Reexamine("r"), PAIR, first)
    assert letter == "HTTP 503"
    assert marked.failure is not None
    assert marked.failure.dead_lettered
    again = failing(False).model_copy(update={"failure": failure(attempts=2)})
    swept, letter = dead_letter_due(Reexamine("scheduled retry"), marked, again)
    assert letter is None
    assert swept.failure is not None
    assert swept.failure.dead_lettered  # still remembered for the next sweep
    news = IssueChanged(1, "updated", "10001", "PROJ1-1", {}, NOW)
    assert dead_letter_due(news, swept, again)[1] == "HTTP 503"  # something changed
    other = again.model_copy(update={"failure": failure(attempts=3, reason="HTTP 403")})
    assert dead_letter_due(Reexamine("scheduled retry"), swept, other)[1] == "HTTP 403"


def failure(attempts: int, reason: str = "HTTP 503") -> PairFailure:
    return PairFailure(reason=reason, retryable=False, attempts=attempts, at=NOW)


def test_the_follow_up_is_decided_without_sending_anything() -> None:
    result = StepResult(failing(True), "merge", Retry("HTTP 503", after=10.0))
    decided = follow_up(Reexamine("r", attempt=1), PAIR, result, backoff(), NOW)
    assert decided.letters == ()
    assert decided.retry is not None
    assert (decided.retry.reason, decided.retry.attempt) == ("HTTP 503", 2)
    assert decided.retry_due == decided.retry.due
    assert NOW + timedelta(seconds=10) <= decided.retry.due <= NOW + timedelta(seconds=10.01)
    assert decided.state is not None
    assert decided.state.failure is not None
    assert decided.state.failure.next_retry_at == decided.retry.due
    record = json.loads(decided.retry.to_bytes())
    assert record == {"reason": "HTTP 503", "attempt": 2, "due": decided.retry.due.isoformat()}


def test_a_rejected_command_and_a_new_permanent_failure_are_two_letters_and_no_retry() -> None:
    result = StepResult(failing(False), "rejected: no such pair", outcome=Rejected("no such pair"))
    decided = follow_up(Reexamine("r"), PAIR, result, backoff(), NOW)
    assert decided.letters == (
        Letter("commands", "no such pair"),
        Letter("pair-changes", "HTTP 503"),
    )
    assert decided.retry is None
    assert decided.retry_due is None
    assert decided.state is not None
    assert decided.state.failure is not None
    assert decided.state.failure.dead_lettered


def test_past_the_last_attempt_the_decision_is_a_letter_and_the_pair_is_kept() -> None:
    result = StepResult(failing(True), "merge", Retry("HTTP 503", after=None))
    decided = follow_up(Reexamine("r", attempt=3), PAIR, result, backoff(3), NOW)
    assert decided.letters == (Letter("retry", "gave up after 3 retries: HTTP 503"),)
    assert decided.retry is None
    assert decided.state == failing(True)  # no next retry time: none was scheduled


def test_a_first_event_is_attempt_one_and_a_step_without_a_pair_schedules_nothing() -> None:
    news = IssueChanged(1, "updated", "10001", "PROJ1-1", {}, NOW)
    result = StepResult(failing(True), "merge", Retry("HTTP 503", after=None))
    decided = follow_up(news, PAIR, result, backoff(), NOW)
    assert decided.retry is not None
    assert decided.retry.attempt == 1
    assert 1.6 <= (decided.retry.due - NOW).total_seconds() <= 2.0
    gone = follow_up(news, None, StepResult(None, "n", Retry("HTTP 503", None)), backoff(), NOW)
    assert gone == type(gone)(None)
