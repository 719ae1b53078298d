"""Rebuild the pair table and the link tables by folding the journal's events.

Each journalled step is folded: its events (``streams.sync.events.fold``) move the pair
from the state the step started from, then the worker's own marks are put on as the worker
put them (a new permanent failure dead-lettered, the retry's due time). No JIRA transport,
recorded or otherwise, and no engine: facts only. The rebuilt state after each step is
checked against the fingerprint the worker recorded, so "exactly" is verified step by
step, not assumed:

- **diverged**: the events fold to another state than the worker's, or a step starts
  from a state the replay never had, or an event is one this code cannot read (the code
  is not the one that wrote the journal). The pair is no longer followed.
- **incomplete**: the pair's history starts before the journal's oldest record, or it has
  a step of the old record format (an HTTP transcript, ``"v": 1``), or a record too large
  for one Kafka message lost what the fold needs (``journal_size``). Never guessed.

The fold follows the worker exactly: a create's intent replaces the pair when it was made
durable, a step's result replaces it when it differs, and a redelivered step (Kafka's
at-least-once) starts from the state it started from on the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.state import PairState
from streams.sync import events, journal
from streams.sync.messages import PairMessage
from streams.sync.normalize import message_from_json
from streams.sync.retrying import dead_letter_due, retry_due_on

HISTORY = 32  # states remembered per pair, for redelivered steps


@dataclass
class Rebuilt:
    pairs: dict[str, PairState] = field(default_factory=dict)
    links: dict[int, dict[str, str]] = field(default_factory=lambda: {1: {}, 2: {}})
    steps: int = 0
    intents: int = 0
    routes: int = 0
    old: int = 0  # steps of the old record format
    unreadable: int = 0
    diverged: dict[str, str] = field(default_factory=dict)  # pair -> why
    incomplete: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)  # incomplete pair -> why


@dataclass(frozen=True)
class Folded:
    """One step folded from a state the replay had: what a what-if replay looks at."""

    step: journal.Step
    message: PairMessage
    before: PairState | None
    facts: list[events.PairEvent]


def after_step(
    message: PairMessage,
    before: PairState | None,
    facts: list[events.PairEvent],
    step: journal.Step,
) -> PairState | None:
    """The pair as the worker kept it after this step."""
    state = events.fold(before, facts, step.at)
    if state is not None:  # marked as the worker marked it (its dead letter is not sent)
        state, _ = dead_letter_due(message, before, state)
    if step.retry_due is not None and state is not None:
        state = retry_due_on(state, step.retry_due)
    return state


@dataclass
class JournalFold:
    """``take`` each journal record in log order (per partition); ``rebuilt`` is the result."""

    rebuilt: Rebuilt = field(default_factory=Rebuilt)
    _history: dict[str, dict[str | None, PairState | None]] = field(default_factory=dict)

    def take(self, raw: Mapping[str, Any]) -> Folded | None:
        """Folds one record; a step folded exactly is returned."""
        try:
            record = journal.read(raw)
        except ValueError:
            self.rebuilt.unreadable += 1
            return None
        if isinstance(record, journal.Route):
            self.rebuilt.links.setdefault(record.site, {})[record.issue] = record.pair
            self.rebuilt.routes += 1
        elif isinstance(record, journal.Intent):
            self._intent(record)
        elif isinstance(record, journal.Old):
            self.rebuilt.steps += 1
            self.rebuilt.old += 1
            why = f"it has steps of the old record format (v{record.version})"
            self._incomplete(record.pair, why)
        else:
            self.rebuilt.steps += 1
            return self._step(record)
        return None

    def _followed(self, pair: str) -> bool:
        return pair not in self.rebuilt.diverged and pair not in self.rebuilt.incomplete

    def _incomplete(self, pair: str, why: str) -> None:
        if self._followed(pair):
            self.rebuilt.incomplete.add(pair)
            self.rebuilt.reasons[pair] = why

    def _intent(self, intent: journal.Intent) -> None:
        self.rebuilt.intents += 1
        if intent.state is None:
            self._incomplete(intent.pair, "a state it made durable was too large to journal")
        elif self._followed(intent.pair):
            self._set(intent.pair, intent.state)

    def _set(self, pair: str, state: PairState) -> None:
        self.rebuilt.pairs[pair] = state
        history = self._history.setdefault(pair, {None: None})
        history[journal.digest(state)] = state
        while len(history) > HISTORY:
            del history[next(iter(history))]

    def _step(self, step: journal.Step) -> Folded | None:
        pair = step.pair
        if not self._followed(pair):
            return None
        if step.dropped is not None and "events" in step.dropped:
            self._incomplete(pair, f"its step at {step.at.isoformat()} was too large to journal")
            return None
        history = self._history.get(pair, {None: None})
        if step.before not in history:
            if pair not in self._history:
                self._incomplete(pair, "it began before the journal's oldest record")
            else:
                self.rebuilt.diverged[pair] = "a step started from a state the replay never had"
            return None
        before = history[step.before]
        try:
            facts = [events.decode(fact) for fact in step.events]
            message = message_from_json(step.input)
        except (ValueError, KeyError, TypeError) as error:
            self.rebuilt.diverged[pair] = f"a step this code cannot read: {error}"
            return None
        try:
            state = after_step(message, before, facts, step)
        except Exception as error:  # any event's bug: this pair diverged, not the replay
            self.rebuilt.diverged[pair] = f"the events of a step do not apply: {error!r}"
            return None
        if journal.digest(state) != step.after and step.dropped is not None:
            self._incomplete(pair, f"its step at {step.at.isoformat()} was trimmed to journal")
            return None
        if journal.digest(state) != step.after:
            self.rebuilt.diverged[pair] = (
                f"the events of its step at {step.at.isoformat()} fold to another state "
                "than the worker's"
            )
            return None
        if state is not None and state != before:
            self._set(pair, state)
        return Folded(step, message, before, facts)
