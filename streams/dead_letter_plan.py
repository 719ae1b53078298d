"""What ``jira-sync dead-letters`` decides, pure: dead letters grouped and filtered by
reason, the state of each letter from the re-drive markers, and the re-drive plan.

A marker (on ``Topics.dead_letter_redriven``, keyed by the letter's ``partition:offset``)
is one of two kinds. ``redriven``: sent in one Kafka transaction with the re-driven record,
naming where that record went and the end offset of that partition just before; committed,
the letter is done. A ``redriven`` marker whose transaction was aborted (its redrive crashed
or was fenced by another) leaves the letter in doubt: the worker reads uncommitted records,
so the record may have reached it. The next redrive looks for the record (by its
``REDRIVE_OF`` header, from that end offset on) and writes a ``settled`` marker saying
whether it was found: found, the letter is done; not found, it can be re-driven again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from streams.dead_letters import DeadLetter, Header, Original
from streams.sync.messages import CommentChanged, IssueChanged, Reexamine
from streams.sync.normalize import encode_message, message_from_json
from streams.sync.worklog_actions import WorklogChanged

REDRIVE_OF = "jira-sync.redrive-of"  # header on a re-driven record: the letter's id
State = Literal["waiting", "redriven", "in doubt", "cannot"]


@dataclass(frozen=True)
class Marker:
    """One record of the marker topic, read back, with whether its transaction committed."""

    letter: str
    kind: Literal["redriven", "settled"]
    committed: bool
    topic: str = ""
    partition: int = 0
    from_offset: int = 0
    found: bool = False
    at: str = ""

    def to_bytes(self) -> bytes:
        fields: dict[str, Any] = {"letter": self.letter, "kind": self.kind, "at": self.at}
        if self.kind == "redriven":
            fields |= {"topic": self.topic, "partition": self.partition}
            fields["from_offset"] = self.from_offset
        else:
            fields["found"] = self.found
        return json.dumps(fields).encode()

    @classmethod
    def from_bytes(cls, value: bytes | None, committed: bool) -> Marker | None:
        """None for a record that is not a marker (ignored)."""
        try:
            found = json.loads(value or b"")
            kind = found["kind"]
            if kind == "redriven":
                where = (str(found["topic"]), int(found["partition"]), int(found["from_offset"]))
                return cls(str(found["letter"]), kind, committed, *where, at=str(found["at"]))
            if kind == "settled":
                done = bool(found["found"])
                return cls(str(found["letter"]), kind, committed, found=done, at=str(found["at"]))
        except (ValueError, KeyError, TypeError):
            pass
        return None


def redriven(letter: DeadLetter, original: Original, from_offset: int, at: datetime) -> Marker:
    where = (original.topic, original.partition, from_offset)
    return Marker(letter.id, "redriven", True, *where, at=at.isoformat())


def settled(doubt: Marker, found: bool, at: datetime) -> Marker:
    return Marker(doubt.letter, "settled", True, found=found, at=at.isoformat())


def states(markers: Iterable[Marker]) -> tuple[dict[str, State], dict[str, Marker]]:
    """Each letter's state from its markers in log order (letters without one: waiting),
    and the aborted ``redriven`` marker of each letter in doubt."""
    state: dict[str, State] = {}
    doubts: dict[str, Marker] = {}
    for marker in markers:
        if not marker.committed:
            if marker.kind == "redriven" and state.get(marker.letter) != "redriven":
                state[marker.letter] = "in doubt"
                doubts[marker.letter] = marker
            continue
        done = marker.kind == "redriven" or marker.found
        state[marker.letter] = "redriven" if done else "waiting"
        doubts.pop(marker.letter, None)
    return state, doubts


def state_of(letter: DeadLetter, known: dict[str, State]) -> State:
    found = known.get(letter.id, "waiting")
    return "cannot" if found == "waiting" and letter.original is None else found


def matches(letter: DeadLetter, reason: str | None) -> bool:
    """``reason``: a part of the letter's reason, any case; None matches every letter."""
    return reason is None or reason.casefold() in letter.reason.casefold()


@dataclass(frozen=True)
class Group:
    reason: str
    letters: tuple[DeadLetter, ...]

    @property
    def sources(self) -> list[str]:
        return sorted({letter.source for letter in self.letters})


def grouped(letters: Iterable[DeadLetter], reason: str | None = None) -> list[Group]:
    """The letters matching ``reason``, by reason: the largest group first, then by name."""
    by: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        if matches(letter, reason):
            by.setdefault(letter.reason, []).append(letter)
    found = [Group(name, tuple(members)) for name, members in by.items()]
    return sorted(found, key=lambda group: (-len(group.letters), group.reason))


class BadSelection(ValueError):
    """``--offset`` names no letter, or names one ambiguously."""


def chosen(
    letters: Sequence[DeadLetter], reason: str | None, offsets: Sequence[str]
) -> list[DeadLetter]:
    """The letters a redrive is about: those whose reason matches, or those at
    ``offsets`` (``PARTITION:OFFSET``, or ``OFFSET`` when one partition has it)."""
    if not offsets:
        return [letter for letter in letters if matches(letter, reason)]
    picked: list[DeadLetter] = []
    for wanted in offsets:
        if ":" in wanted:
            hits = [letter for letter in letters if letter.id == wanted]
        else:
            hits = [letter for letter in letters if str(letter.offset) == wanted]
        if not hits:
            raise BadSelection(f"no dead letter at offset {wanted}")
        if len(hits) > 1:
            places = ", ".join(letter.id for letter in hits)
            raise BadSelection(f"offset {wanted} is in several partitions: say one of {places}")
        picked += [hit for hit in hits if hit not in picked]
    return picked


@dataclass(frozen=True)
class Step:
    """One letter of a redrive: re-driven, or skipped and why."""

    letter: DeadLetter
    redrive: bool
    why: str


def plan(letters: Iterable[DeadLetter], known: dict[str, State]) -> list[Step]:
    """What a redrive does with each chosen letter, given the markers' states."""
    steps = []
    for letter in letters:
        state = state_of(letter, known)
        if state == "waiting":
            steps.append(Step(letter, True, f"to {where(letter)}"))
        elif state == "cannot":
            steps.append(Step(letter, False, f"cannot: {letter.why_not}"))
        elif state == "redriven":
            steps.append(Step(letter, False, "already re-driven"))
        else:
            steps.append(Step(letter, False, "an earlier redrive was interrupted: not settled"))
    return steps


def where(letter: DeadLetter) -> str:
    original = letter.original
    return "?" if original is None else f"{original.topic}[{original.partition}]"


def as_sent(original: Original, letter: DeadLetter, pair_changes: str) -> bytes | None:
    """The value a redrive sends: the original record's, except for a change of an issue
    or comment on pair-changes. Its pair has seen that change (the webhook id is in
    its recent ones) and would drop it as a duplicate, so a ``Reexamine`` of that pair goes
    instead: both sides read fresh and merged, which carries the change (and what came
    after it), as the periodic retry does."""
    if original.topic != pair_changes or original.value is None:
        return original.value
    try:
        message = message_from_json(json.loads(original.value))
    except (ValueError, KeyError, TypeError, AttributeError):
        return original.value  # not a pair message: as it was (dead-lettered again)
    if isinstance(message, IssueChanged | CommentChanged | WorklogChanged) and message.webhook_id:
        return encode_message(Reexamine(f"redrive of dead letter {letter.id}"))
    return original.value


def redrive_headers(original: Original, letter: DeadLetter) -> list[Header]:
    """The original record's headers, and which letter it is re-driven from (replacing
    the mark of an earlier redrive of the same record)."""
    kept = [(name, value) for name, value in original.headers if name != REDRIVE_OF]
    return [*kept, (REDRIVE_OF, letter.id.encode())]
