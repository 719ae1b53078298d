"""``commands``: the operator's commands. A manual sync puts a snapshot of the issue on its
site's events topic (the same path as webhooks); a full resync does so for every issue of
the project(s); a resolve sends a ``Resolve`` message to the pair; a link of two existing
issues a ``LinkExisting`` message (and routes site 2's issue to the pair); an unlink an
``EndPair``."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust

from streams.commands import (
    CommandError,
    FullResync,
    LinkPair,
    ManualSync,
    ResolveConflict,
    UnlinkPair,
    parse_command,
)
from streams.jira.errors import JiraError, NotFound
from streams.jira.models import Issue
from streams.sites import SITES, SiteNumber
from streams.sync import hierarchy, parents, searched
from streams.sync.applier import Applier
from streams.sync.jql_filter import scoped
from streams.sync.kafka_io import Sinks
from streams.sync.messages import (
    LINK_PROPERTY,
    EndPair,
    LinkExisting,
    Resolve,
    pair_id_for,
    resync_event_id,
)
from streams.sync.normalize import encode_message, route_envelope, snapshot_envelope
from streams.sync.served import Served, Serving

log = logging.getLogger(__name__)

# A full sync feeds at most this many snapshots a second: more than the pairs can take in
# under JIRA's limits (a new pair's create is one of 100 POSTs a second on its site; a pair
# in sync reads each side once, one of 100 GETs a second), and few enough that routing them
# does not starve the steps that write (fed at the search's pace, 700 a second, they
# stopped every pair for 2 s at a time in a 10,000-issue resync).
FEED_PER_SECOND, FEED_STEP = 250.0, 25


def install(app: faust.App, source: faust.TopicT, sinks: Sinks, served: Served) -> None:
    async def commands(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            message = event.message
            command_id = f"{message.topic}:{message.partition}:{message.offset}"
            raw = event.value
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            try:
                command = parse_command(raw, command_id, datetime.now(UTC))
                await carry_out(served, sinks, command_id, command)
            except CommandError as error:
                await sinks.reject("commands", event.key, error.reason, text)
            except JiraError as error:
                await sinks.reject("commands", event.key, str(error), text)
            except Exception as error:  # a bad command or answer must not stop the others
                await sinks.survived("commands", event.key, error, text)

    app.agent(source, name="commands")(commands)


async def carry_out(served: Served, sinks: Sinks, command_id: str, command: object) -> None:
    applier = served.first.applier  # its clients and marker reads are every connection's
    if isinstance(command, ManualSync):
        site = command.source_instance
        applier = connection_of(served, site, command.issue_key).applier
        try:
            issue = await applier.clients[site].get_issue(
                command.issue_key, fields=applier.read_fields(site)
            )
        except NotFound:
            raise CommandError(f"{command.issue_key} does not exist on site {site}") from None
        await feed(sinks, site, issue, f"manual:{command_id}")
        log.info("manual sync", extra={"issue": command.issue_key, "site": site})
        return
    if isinstance(command, ResolveConflict):
        pair_id = await pair_of(applier, command.sync_id)
        winner: SiteNumber = 1 if command.resolution_direction == "jira_1_to_2" else 2
        resolve = Resolve(winner=winner, sync_id=command.sync_id)
        await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(resolve))
        return
    if isinstance(command, LinkPair):
        connection_of(served, 1, command.sync_id.partition("#")[0])
        await link_pair(applier, sinks, command_id, command)
        return
    if isinstance(command, UnlinkPair):
        pair_id = await pair_of(applier, command.sync_id)
        end = EndPair(command.sync_id)
        await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(end))
        return
    if isinstance(command, FullResync):
        await full_resync(served, sinks, command_id, command)
        return
    raise CommandError(f"{type(command).__name__} is not carried out by this worker")


def connection_of(served: Served, site: SiteNumber, issue_key: str) -> Serving:
    """The connection an operator's issue is in; a clear refusal when it is in none."""
    found = served.of_issue(site, issue_key) if len(served) > 1 else served.first
    if found is None:
        projects = ", ".join(sorted(c.config.project_keys[site] for c in served))
        raise CommandError(f"{issue_key} is in no connection's project on site {site} ({projects})")
    return found


async def full_resync(served: Served, sinks: Sinks, command_id: str, command: FullResync) -> None:
    """Every connection's projects (or the named connection's), one site or both."""
    sites = SITES if command.source_instance is None else (command.source_instance,)
    chosen = list(served)
    if command.connection is not None:
        if command.connection not in served.by_name:
            known = ", ".join(served.by_name)
            raise CommandError(f"no connection is named {command.connection} (known: {known})")
        chosen = [served.by_name[command.connection]]
    for serving in chosen:
        for site in sites:
            count = await full_snapshot(serving.applier, site, sinks, command_id)
            log.info(
                "full resync of %s on site %d: %d issues fed",
                serving.name,
                site,
                count,
                extra={"connection": serving.name, "site": site, "issues": count},
            )


async def link_pair(applier: Applier, sinks: Sinks, command_id: str, command: LinkPair) -> None:
    """Two existing issues become one pair (its decisions: ``streams.sync.linking``), unless
    either is synced already; site 2's issue is routed to the pair from now on."""
    key1, key2 = command.sync_id.split("#")
    one, two = await _linkable(applier, 1, key1), await _linkable(applier, 2, key2)
    pair_id = pair_id_for(1, one.id)
    problem = await _synced_elsewhere(applier, one, two, pair_id)
    if problem is not None:
        raise CommandError(problem)
    link = LinkExisting(command.sync_id, one.id, two.id)
    await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(link))
    route = route_envelope(2, two.id, pair_id, f"link:{command_id}", datetime.now(UTC))
    await sinks.events[2].send(key=two.id.encode(), value=route.to_bytes())
    log.info("link", extra={"sync_id": command.sync_id, "pair": pair_id})


async def _linkable(applier: Applier, site: SiteNumber, key: str) -> Issue:
    try:
        return await applier.clients[site].get_issue(
            key, fields=["updated"], properties=[LINK_PROPERTY]
        )
    except NotFound:
        raise CommandError(f"{key} does not exist on site {site}") from None


async def _synced_elsewhere(applier: Applier, one: Issue, two: Issue, pair_id: str) -> str | None:
    """Why the two issues cannot be linked: either is in another pair already (its marker,
    or the remote link the sync adds to an origin); None when they can (or are linked)."""
    for issue in (one, two):
        marker = issue.properties.get(LINK_PROPERTY)
        claimed = marker.get("pair_id") if isinstance(marker, dict) else None
        if claimed is not None and claimed != pair_id:
            return f"{issue.key} is synced already (pair {claimed}); unlink it first"
    ours = await parents.remote_link(applier, 1, one.id, f"jira-sync:{pair_id}")
    if ours is not None and not hierarchy.names(ours, two.key or ""):
        return f"{one.key} is synced already with {hierarchy.linked_key(ours)}; unlink it first"
    theirs = await parents.remote_link(applier, 2, two.id, f"jira-sync:{pair_id_for(2, two.id)}")
    if theirs is not None:
        return f"{two.key} is synced already with {hierarchy.linked_key(theirs)}; unlink it first"
    return None


async def full_snapshot(applier: Applier, site: SiteNumber, sinks: Sinks, run_id: str) -> int:
    """Every issue of the site's project, as snapshot events through the same path as
    webhooks: missing counterparts get made, drifted pairs get merged, pairs in sync cost
    reads only."""
    project = applier.config.project_keys[site]
    narrowed = applier.config.filters.jql.get(site)
    jql = scoped(project, narrowed) + " ORDER BY id ASC"
    count = 0
    fields, asked = [*applier.read_fields(site), *searched.FIELDS], searched.PROPERTIES
    began = time.monotonic()
    async for issue in applier.clients[site].search(jql, fields=fields, properties=asked):
        snapshot_id = resync_event_id(run_id, site, issue.id)
        said = searched.said(issue.fields, issue.properties)
        await feed(sinks, site, issue, snapshot_id, narrowed is not None, said)
        count += 1
        if count % FEED_STEP == 0:  # paced: a flood of snapshots starves the pairs' steps
            await asyncio.sleep(max(0.0, began + count / FEED_PER_SECOND - time.monotonic()))
    return count


async def feed(
    sinks: Sinks,
    site: SiteNumber,
    issue: Issue,
    snapshot_id: str,
    matched: bool = False,
    said: dict[str, Any] | None = None,
) -> None:
    """An issue read through REST onto its site's events topic, as a snapshot event
    (``matched``: found by its site's JQL filter; ``said``: what a full sync's search said
    of it besides its synced fields, ``streams.sync.searched``)."""
    key, now = issue.key or issue.id, datetime.now(UTC)
    values = searched.synced_fields(issue.fields) if said is not None else issue.fields
    envelope = snapshot_envelope(site, issue.id, key, values, snapshot_id, now, matched, said)
    await sinks.events[site].send(key=issue.id.encode(), value=envelope.to_bytes())


async def pair_of(applier: Applier, sync_id: str) -> str:
    """The pair id behind an operator's ``KEY1#KEY2``: the counterpart carries the marker,
    which names the other issue's pair (a marker copied onto the origin names another)."""
    keys: dict[SiteNumber, str] = dict(zip(SITES, sync_id.split("#"), strict=True))
    for site in (2, 1):
        marker = await applier.link_of(site, keys[site])
        claimed = marker.get("pair_id") if marker else None
        if isinstance(claimed, str) and claimed == await _origin_pair(applier, keys, site):
            return claimed
    raise CommandError(
        f"{sync_id} is not a pair synced by jira-sync: neither issue exists with a link "
        "marker naming the other"
    )


async def _origin_pair(
    applier: Applier, keys: dict[SiteNumber, str], counterpart: SiteNumber
) -> str:
    """The pair id the other issue of ``keys`` would have started ("" when it is gone)."""
    origin: SiteNumber = 2 if counterpart == 1 else 1
    try:
        issue = await applier.clients[origin].get_issue(keys[origin], fields=["updated"])
    except NotFound:
        return ""
    return pair_id_for(origin, issue.id)
