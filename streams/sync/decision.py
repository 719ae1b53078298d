"""What ``decide`` answers: the pair's state, the actions to carry out, the log text, and
a typed outcome the caller acts on (instead of parsing the note)."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.state import (
    PairState,
)
from streams.sync.messages import (
    Action,
)


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
