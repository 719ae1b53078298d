"""What ``decide`` answers: the pair's state, the actions to carry out, the log text, and
a typed outcome the caller acts on (instead of parsing the note)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from streams.state import (
    PairState,
)
from streams.sync.events import PairEvent, fold
from streams.sync.messages import Action, Fetch


@dataclass(frozen=True)
class Done:
    """The message was handled (``note`` says how)."""


@dataclass(frozen=True)
class Rejected:
    """An operator's command that names no synced pair: answered on the commands topic."""

    reason: str


@dataclass(frozen=True)
class RecoveringCreate:
    """A create never confirmed is recovered first; the message itself waits for it."""


Outcome = Done | Rejected | RecoveringCreate


DONE = Done()


@dataclass(frozen=True)
class Decision:
    state: PairState | None
    actions: list[Action] = field(default_factory=list)
    note: str = ""  # the human log text
    outcome: Outcome = DONE
    # What the decision settled, as facts: ``state`` is their fold over the pair decided on.
    events: list[PairEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.reads and len(self.reads) != len(self.actions):
            raise ValueError("a decision asking for reads asks for nothing else")

    @property
    def reads(self) -> list[Fetch]:
        """The fresh reads asked for: then the rest is decided with them (``events``: what
        the message settles whatever they say, which the decision with them starts with)."""
        return [action for action in self.actions if isinstance(action, Fetch)]


def settled(
    pair: PairState | None,
    facts: Sequence[PairEvent],
    now: datetime,
    actions: list[Action] | None = None,
    note: str = "",
) -> Decision:
    """A decision whose state is ``facts`` folded over ``pair``."""
    return Decision(fold(pair, facts, now), actions or [], note, DONE, list(facts))


def after(facts: Sequence[PairEvent], decision: Decision) -> Decision:
    """``decision`` (taken on the pair ``facts`` made) as a decision on the pair before them."""
    return dataclasses.replace(decision, events=[*facts, *decision.events])
