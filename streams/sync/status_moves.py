"""The effect of a ``TransitionTo``: the walk to its status (``transitions.walk``) on the
action's site, with what JIRA said for the policies (``running.Moved``, ``StatusHistory``).

A guarded move (the status a new counterpart starts in) reads the issue's status first and,
found away from the target, its history: someone else's move is kept (``policies``). A
counterpart this worker just made, whose kind's initial status is learned and is the target,
is not read (``initial_status``): the pair records its status as taken, not read, until
the first sight of it (``assumed``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from streams.jira.errors import BadRequest
from streams.sites import SiteNumber
from streams.sync import overwrites, screens
from streams.sync.facts import Warned
from streams.sync.fields import RESOLUTION, canonical
from streams.sync.messages import TransitionTo
from streams.sync.running import Answer, Moved, StatusHistory
from streams.sync.screens import ScreenFieldMissing, ScreenFill
from streams.sync.transitions import MovedSince, Unreachable, at, status_of, walk

if TYPE_CHECKING:
    from streams.sync.effects import Effects


async def move(effects: Effects, run: Answer, action: TransitionTo) -> None:
    """The walk to the action's status; a guarded one that finds the issue elsewhere
    only reads its history (``StatusHistory``: the policies say whether to move)."""
    site, key = action.site, action.issue_key
    target = effects.config.maps.statuses.to_site(site, action.status) or action.status
    start, believed = None, action.start  # read earlier in the step: maybe moved since
    guess = effects.initial.guess(site, key) if action.guarded else None
    taken = guess is not None and at(guess, target)  # just made, where its kind starts
    if taken:
        start = guess
    elif action.guarded:
        start, first = await status_of(effects.clients[site], key), effects.initial.new(site, key)
        if not at(start, target):
            effects.initial.wrong(site, key, start)
            run.said = await history(effects, site, key, start)
            return
        if first:
            effects.initial.learn(site, key, start)
    fill = ScreenFill(site, action.resolution, effects.config.maps)
    try:
        client, graph = effects.clients[site], effects.graphs[site]
        walked = await walk(client, key, target, graph, 4, None, fill, start, believed)
    except Unreachable as error:
        run.add(Warned("status-unreachable", str(error), field="status"))
        return
    except MovedSince as error:  # someone moved it: both sides are merged again
        run.add(overwrites.StatusMovedSince(site, error.current))
        return
    except (ScreenFieldMissing, BadRequest) as error:
        run.add(screens.refused(action, error))
        return
    finally:
        effects.initial.moved(site, key)
    holds = None
    if screens.resolution_unknown(action, fill.given):
        holds = await resolution_of(effects, site, key)
    run.said = Moved(fill.given, holds, walked.began, assumed=taken)


async def resolution_of(effects: Effects, site: SiteNumber, key: str) -> str | None:
    """The resolution ``key`` holds (canonical name)."""
    issue = await effects.clients[site].get_issue(key, fields=[RESOLUTION])
    resolution = canonical(site, issue.fields, effects.config.maps).get(RESOLUTION)
    return None if resolution is None else str(resolution)


async def history(effects: Effects, site: SiteNumber, key: str, current: str) -> StatusHistory:
    """Who changed the issue's status, by its changelog (account ids); a counterpart just
    made that nobody moved teaches its kind's initial status (``current``)."""
    authors: list[str | None] = []
    async for entry in effects.clients[site].changelog(key):
        if any(item.get("fieldId", item.get("field")) == "status" for item in entry.items):
            authors.append((entry.author or {}).get("accountId"))
    if not authors:
        effects.initial.learn(site, key, current)
    effects.initial.moved(site, key)
    return StatusHistory(current, authors)
