"""The status a new counterpart starts in, learned per site, project and issue type (kept in
the worker's memory, like the workflow graph): JIRA's create answers the new issue's id and
key only, and a fresh issue is in its workflow's initial status. The first counterpart of a
kind is read after its create (the guarded read, ``status_moves``); its status is learned when
nobody else's status change is in its history. For ``KEPT_FOR`` seconds after, a counterpart of
that kind whose origin is in that status too is taken to be there already: nothing is read or
posted. (One whose origin is elsewhere is read as before: a transition posted from a wrong
guess would be taken for someone's overwritten move by the echo check, ``overwrites``.)

A guess can be wrong: an admin may change the workflow, an automation rule may move a new
issue at once. So the pair records the counterpart's status as taken, not read
(``StatusReached(assumed=True)``), and the first sight of it, its own ``issue_created`` or
any later webhook or read, checks it (``assumed``): seen elsewhere, the guarded path runs
again, which reads the status and its history, keeps someone else's move, moves it
otherwise, and drops the guess (``wrong``). A guess is read again ``KEPT_FOR`` seconds after
it was learned."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from streams.sites import SiteNumber

KEPT_FOR = 600.0  # seconds a learned initial status is trusted before it is read again
MADE_KEPT = 10_000  # counterparts made, and made and moved, remembered (the newest)

Kind = tuple[SiteNumber, str, str]  # site, project key, issue type name
Made = tuple[SiteNumber, str]  # site, issue key


@dataclass
class InitialStatuses:
    kept_for: float = KEPT_FOR
    clock: Callable[[], float] = time.monotonic
    _learned: dict[Kind, tuple[str, float]] = field(default_factory=dict)
    _made: OrderedDict[Made, Kind] = field(default_factory=OrderedDict)
    _moved: OrderedDict[Made, Kind] = field(default_factory=OrderedDict)

    def made(self, site: SiteNumber, key: str, project: str, issue_type: str) -> None:
        """``key`` was just made on ``site``, in ``project``, of ``issue_type``."""
        _kept(self._made, (site, key), (site, project, issue_type))

    def guess(self, site: SiteNumber, key: str) -> str | None:
        """The status ``key`` starts in when it was just made here and its kind's is
        learned and fresh; None: read it."""
        kind = self._made.get((site, key))
        learned = self._learned.get(kind) if kind is not None else None
        if learned is None or self.clock() - learned[1] > self.kept_for:
            return None
        return learned[0]

    def new(self, site: SiteNumber, key: str) -> bool:
        """``key`` was made here and not moved since."""
        return (site, key) in self._made

    def learn(self, site: SiteNumber, key: str, status: str) -> None:
        """``key``, made here, was read in ``status`` that nobody else moved it to (its
        history, or no time to): its kind's counterparts start there."""
        kind = self._made.get((site, key)) or self._moved.get((site, key))
        if kind is not None:
            self._learned[kind] = (status, self.clock())

    def moved(self, site: SiteNumber, key: str) -> None:
        """``key`` was moved (or left) at its status: no longer new."""
        kind = self._made.pop((site, key), None)
        if kind is not None:
            _kept(self._moved, (site, key), kind)

    def wrong(self, site: SiteNumber, key: str, found: str) -> None:
        """``key``, made here, was read in ``found``: its kind's guess, if another, is
        dropped (the history read next may teach the right one)."""
        kind = self._made.get((site, key)) or self._moved.get((site, key))
        learned = self._learned.get(kind) if kind is not None else None
        if kind is not None and learned is not None and learned[0].casefold() != found.casefold():
            del self._learned[kind]


def _kept(memory: OrderedDict[Made, Kind], at: Made, kind: Kind) -> None:
    memory[at] = kind
    while len(memory) > MADE_KEPT:
        memory.popitem(last=False)
