"""Reach a target status through the transitions API: direct when possible, else a short walk.

JIRA only lists the transitions available from an issue's current status, so the workflow
graph is learned as transitions are listed (per site and worker). A walk follows the
shortest known path; when none is known it explores statuses whose exits are still
unknown (never through a transition whose screen requires a field). Bounded by
``max_steps``; when the target cannot be reached the caller records a warning on the pair
(not a failure) and the next change or retry tries again. The fields
a transition's screen is given come from ``fill`` (``streams.sync.screens.ScreenFill``):
nothing is made up here.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import BadRequest
from streams.jira.models import Transition


@dataclass
class WorkflowGraph:
    exits: dict[str, dict[str, Transition]] = field(default_factory=dict)
    # statuses whose exits a walk is about to list: the others moving from there wait
    # for that listing (``learned``) rather than each list the same exits
    listing: dict[str, asyncio.Event] = field(default_factory=dict)

    def learn(self, status: str, available: list[Transition]) -> None:
        self.exits[status.casefold()] = {t.to.name.casefold(): t for t in available}
        self.release(status.casefold())

    async def learned(self, start: str, target: str) -> Transition | None:
        """``known``, once a listing of ``start``'s exits in flight is done."""
        pending = self.listing.get(start.casefold())
        if pending is not None:
            await pending.wait()
        return self.known(start, target)

    def claim(self, status: str) -> str | None:
        """``status``'s exits to be listed by the caller (its name, to ``release``); None
        when another walk is listing them."""
        name = status.casefold()
        if name in self.listing:
            return None
        self.listing[name] = asyncio.Event()
        return name

    def release(self, name: str | None) -> None:
        pending = self.listing.pop(name, None) if name is not None else None
        if pending is not None:
            pending.set()

    def known(self, start: str, target: str) -> Transition | None:
        """The learned transition out of ``start`` on the shortest known path to ``target``."""
        hop = self.first_hop(start, target)
        return None if hop is None else self.exits.get(start.casefold(), {}).get(hop)

    def first_hop(self, start: str, target: str) -> str | None:
        """The next status on the shortest known path, or None when no path is known."""
        goal, queue = target.casefold(), deque([(start.casefold(), "")])
        seen = {start.casefold()}
        while queue:
            status, first = queue.popleft()
            for nxt in self.exits.get(status, {}):
                hop = first or nxt
                if nxt == goal:
                    return hop
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, hop))
        return None


class Unreachable(Exception):
    """No sequence of available transitions led to the status."""


class MovedSince(Exception):
    """The issue is no longer in the status it was believed in, nor in the target: someone
    moved it since the sync read it. Walking on from there would overwrite their move
    unseen, so nothing is posted (the pair merges both sides again)."""

    def __init__(self, key: str, believed: str, current: str) -> None:
        super().__init__(f"{key}: moved from {believed!r} to {current!r} meanwhile")
        self.current = current


@dataclass(frozen=True)
class Walked:
    """A walk's transitions (0: already there, or not moved), and the status the issue
    was known to be in just before, when it took exactly one (what the echo's changelog
    ``from`` must say, ``streams.sync.overwrites``)."""

    steps: int
    began: str | None = None


async def reach(
    client: JiraClient,
    key: str,
    target: str,
    graph: WorkflowGraph,
    max_steps: int = 4,
    may_move: Callable[[], Awaitable[bool]] | None = None,
    fill: Callable[[Transition], dict[str, Any]] | None = None,
    start: str | None = None,
    believed: str | None = None,
) -> int:
    """``walk``'s number of transitions."""
    walked = await walk(client, key, target, graph, max_steps, may_move, fill, start, believed)
    return walked.steps


async def walk(
    client: JiraClient,
    key: str,
    target: str,
    graph: WorkflowGraph,
    max_steps: int = 4,
    may_move: Callable[[], Awaitable[bool]] | None = None,
    fill: Callable[[Transition], dict[str, Any]] | None = None,
    start: str | None = None,
    believed: str | None = None,
) -> Walked:
    """Move ``key`` to ``target`` (``Walked.steps`` 0 when already there, or when
    ``may_move``, asked once before the first move, says no). ``fill`` gives each
    transition's screen fields (it may raise to stop the walk); ``start`` is the status
    the issue was just read in (not read again). ``believed`` is the status it was read in
    earlier, or agreed in (someone may have moved it since): the transition learned from
    there is posted without reading or listing anything; only when none is learned, or JIRA
    refuses it, is the status read and the transitions listed. Found neither there nor at
    ``target`` (someone moved it): ``MovedSince``."""
    if believed is None or start is not None or at(believed, target):
        return await _walk_from(client, key, target, graph, max_steps, may_move, fill, start)
    learned, claim = await graph.learned(believed, target), None
    while learned is None and (claim := graph.claim(believed)) is None:
        learned = await graph.learned(believed, target)  # another walk is listing there
    try:
        if learned is not None and await _posted(client, key, learned, fill):
            if at(learned.to.name, target):
                return Walked(1, believed)
            rest = await walk(client, key, target, graph, max_steps - 1, None, fill)
            return Walked(1 + rest.steps)
        # nothing learned from there, or refused: where it is, and its exits, in one read
        start, available = await client.status_and_transitions(key)
        if not at(start, believed) and not at(start, target):
            raise MovedSince(key, believed, start)
        listed = None if at(start, target) else available  # not learned as believed's
        return await _walk_from(
            client, key, target, graph, max_steps, may_move, fill, start, listed
        )
    finally:
        graph.release(claim)


async def _walk_from(
    client: JiraClient,
    key: str,
    target: str,
    graph: WorkflowGraph,
    max_steps: int,
    may_move: Callable[[], Awaitable[bool]] | None,
    fill: Callable[[Transition], dict[str, Any]] | None,
    start: str | None,
    listed: list[Transition] | None = None,
) -> Walked:
    """The walk from ``start`` (``listed``: its exits, just read), listing each status's
    exits; a status not known is read with its exits, in one call."""
    visited: set[str] = set()
    for step in range(max_steps + 1):
        available = listed if step == 0 else None
        if step == 0 and start is not None:
            current = start
        else:
            current, available = await client.status_and_transitions(key)
        if at(current, target):
            return Walked(step)
        if step == 0 and may_move is not None and not await may_move():
            return Walked(0)
        visited.add(current.casefold())
        if available is None:
            available = await client.transitions(key)
        graph.learn(current, available)
        chosen = _choose(available, current, target, graph, visited)
        if chosen is None or step == max_steps:
            break
        await client.transition(key, chosen.id, fill(chosen) if fill is not None else None)
        if at(chosen.to.name, target):  # JIRA named the status it leads to: no read to confirm
            return Walked(step + 1, current if step == 0 else None)
    raise Unreachable(f"{key}: no path from its status to {target!r} within {max_steps} steps")


async def _posted(
    client: JiraClient,
    key: str,
    transition: Transition,
    fill: Callable[[Transition], dict[str, Any]] | None,
) -> bool:
    """``transition`` asked of JIRA; False when JIRA refuses it (400)."""
    try:
        await client.transition(key, transition.id, fill(transition) if fill else None)
    except BadRequest:
        return False
    return True


def _choose(
    available: list[Transition], current: str, target: str, graph: WorkflowGraph, visited: set[str]
) -> Transition | None:
    by_target = {t.to.name.casefold(): t for t in available}
    hop = graph.first_hop(current, target)
    if hop is not None and hop in by_target:
        return by_target[hop]
    unexplored = [  # never through a screen asking for values: they are not ours to set
        t
        for name, t in by_target.items()
        if name not in visited and name not in graph.exits and not t.required_fields()
    ]
    return unexplored[0] if unexplored else None


async def status_of(client: JiraClient, key: str) -> str:
    issue = await client.get_issue(key, fields=["status"])
    return str(issue.fields["status"]["name"])


def at(current: str, target: str) -> bool:
    """Whether an issue in status ``current`` is in ``target`` (JIRA names ignore case)."""
    return current.casefold() == target.casefold()
