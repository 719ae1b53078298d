"""Domain events of a pair: past-tense, frozen facts, and the fold that makes its state.

A pair's state is ``fold(None, events)``: what the step decided (the pair started, an issue
was observed, a merge settled fields, a conflict was found) and what JIRA answered (the
counterpart was created, fields were written, a write failed) are each one event. Effects
never take or return a ``PairState``: they return events, and ``evolve`` alone moves the
state. The journal records each step's input and events, so a replay folds facts instead of
running the engine again.

Every event is a frozen dataclass registered with ``@event``; ``encode``/``decode`` give it a
JSON form (``{"type": <class name>, ...fields}``) through pydantic, so fields may be plain
JSON values, datetimes, ``IssueRef`` and the other state models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import TypeAdapter

from streams.state import PairState, SiteNumber


@dataclass(frozen=True)
class PairEvent:
    """A fact about one pair. Subclasses say how it moves the pair (``applied_to``)."""

    registry: ClassVar[dict[str, type[PairEvent]]] = {}

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        """The pair after this fact, at the step's clock ``at`` (pure)."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it moves a pair")


E = TypeVar("E", bound=type[PairEvent])


def event(cls: E) -> E:
    """Registers a ``PairEvent`` subclass under its class name (its JSON ``type``)."""
    name = cls.__name__
    known = PairEvent.registry.get(name)
    if known is not None and known is not cls:
        raise TypeError(f"two pair events are named {name}")
    PairEvent.registry[name] = cls
    return cls


def needs_pair(pair: PairState | None, fact: PairEvent) -> PairState:
    """The pair a fact moves; a fact that needs one and finds none is a bug."""
    if pair is None:
        raise ValueError(f"{type(fact).__name__} needs a pair")
    return pair


def evolve(pair: PairState | None, fact: PairEvent, at: datetime) -> PairState | None:
    return fact.applied_to(pair, at)


def fold(pair: PairState | None, facts: Iterable[PairEvent], at: datetime) -> PairState | None:
    for fact in facts:
        pair = evolve(pair, fact, at)
    return pair


_ADAPTERS: dict[type[PairEvent], TypeAdapter[Any]] = {}


def _adapter(cls: type[PairEvent]) -> TypeAdapter[Any]:
    """One adapter per event class: building one costs about a millisecond, a step's
    events are encoded for every journal record."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def encode(fact: PairEvent) -> dict[str, Any]:
    body = _adapter(type(fact)).dump_python(fact, mode="json")
    return {"type": type(fact).__name__, **body}


def decode(record: dict[str, Any]) -> PairEvent:
    """The event a journal record holds; ``ValueError`` for an unknown or malformed one."""
    fields = dict(record)
    name = fields.pop("type", None)
    cls = PairEvent.registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"not a pair event: {name!r}")
    try:
        decoded: PairEvent = _adapter(cls).validate_python(fields)
        return decoded
    except Exception as error:  # pydantic's ValidationError, or a type error of the class
        raise ValueError(f"malformed {name}: {error}") from error


@event
@dataclass(frozen=True)
class IssueObserved(PairEvent):
    """One issue of the pair read fresh from JIRA in a step. ``values``: canonical (mapped)
    values; ``fields``: the REST fields as JIRA answered them, so a what-if replay can map
    them again with another mapping file; ``exists`` False: the read answered 404."""

    site: SiteNumber
    issue_id: str
    issue_key: str
    values: dict[str, Any]
    fields: dict[str, Any]
    updated: datetime | None = None
    exists: bool = True

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        return pair  # what a read changes is decided (and recorded) by the step's decision


# The event classes of the pair (registered on import, so ``decode`` knows every one).
import streams.sync.attachment_facts  # noqa: E402
import streams.sync.facts  # noqa: E402
import streams.sync.link_facts  # noqa: E402
import streams.sync.parent_facts  # noqa: E402
import streams.sync.settled  # noqa: E402
import streams.sync.worklog_facts  # noqa: E402, F401
