"""``route-N``: finds the pair of an issue of site N and re-keys its change by pair id.

The link table of the site, else the link marker property on the issue (one read, the
first time an issue is seen), else the issue starts a new pair. Re-keying by pair id
serialises everything about one pair on one partition."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import faust

from streams.jira.client import JiraClient
from streams.jira.errors import JiraError, PermanentJiraError
from streams.records import WebhookEnvelope
from streams.sites import SiteNumber
from streams.sync import journal, rich_text, searched
from streams.sync.agents.keyed_stream import agent_for
from streams.sync.fields import FieldMaps
from streams.sync.kafka_io import Sinks, Table
from streams.sync.keyed import Limits
from streams.sync.made_here import MadeHere
from streams.sync.messages import pair_id_for
from streams.sync.normalize import ROUTE_EVENT, change_from_envelope, encode_message
from streams.sync.rich_text import Change
from streams.sync.served import Served
from streams.wire import BadRecord, decode_event

log = logging.getLogger(__name__)


def install(
    app: faust.App,
    site: SiteNumber,
    source: faust.TopicT,
    sinks: Sinks,
    clients: Mapping[int, JiraClient],
    served: Served,
    limits: Limits | None = None,
    made: MadeHere | None = None,
) -> None:
    """``limits``: issues looked up at once (``keyed_stream``, by issue); None, one at a
    time. ``made``: the counterparts this worker made (``streams.sync.made_here``)."""
    made = made or MadeHere()
    links: Table = app.Table(f"links-{site}", default=None, key_type=bytes, value_type=bytes)

    async def route(key: bytes, value: bytes, headers: Mapping[str, bytes]) -> None:
        try:
            await route_one(key, value, headers)
        except Exception as error:  # a bad record or answer must not stop the site
            await sinks.survived(f"events-{site}", key, error, value)

    async def route_one(key: bytes, value: bytes, headers: Mapping[str, bytes]) -> None:
        try:  # a raw signed body with its headers (streams.wire), or an envelope
            envelope = decode_event(value, headers)
        except BadRecord as error:
            await sinks.reject(f"events-{site}", key, error.reason, None)
            return
        if envelope.event_type == ROUTE_EVENT:  # a link command moved the issue to a pair
            await routed(key, str(envelope.payload.get("pair_id")))
            return
        maps = served.maps_of(site, issue_key_of(envelope.payload))
        change = change_from_envelope(envelope, maps)
        if change is None:
            return
        known = links.get(key)
        ours = served.integration_account(site)
        fresh = None if known else rich_text.made_by_a_person(change, ours, maps)
        if known:
            pair_id = known.decode()
        elif fresh is not None:  # a person's new issue: its own pair, nothing to read
            change, pair_id = fresh, pair_id_for(site, change.issue_id)
            await routed(key, pair_id)
        else:  # its first sight: the read of its marker brings its rich text along
            looked = await first_sight(clients[site], maps, made, site, envelope, change)
            pair_id, change = looked
            await routed(key, pair_id)
        log.info("site %d issue %s: pair %s", site, change.issue_key, pair_id)
        await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(change))

    async def routed(key: bytes, pair_id: str) -> None:
        links[key] = pair_id.encode()
        record = journal.route_record(site, key.decode(), pair_id)
        await sinks.journal.send(key=key, value=record)

    app.agent(source, name=f"route-{site}")(agent_for(app, limits, route))


async def first_sight(
    client: JiraClient,
    maps: FieldMaps,
    made: MadeHere,
    site: SiteNumber,
    envelope: WebhookEnvelope,
    change: Change,
) -> tuple[str, Change]:
    """The pair of an issue the link table does not know, and its change (with its rich
    text as REST holds it, when its marker was read): a counterpart made here is known from
    memory, a full sync's search may have said the marker, else the marker is read."""
    issue_id = change.issue_id
    if (ours := made.pair_of(site, issue_id)) is not None:  # before its route record came
        return ours, change
    known, marker = searched.marker(envelope.payload, datetime.now(UTC))
    if known:  # a snapshot's text is REST's already
        return claimed(marker) or pair_id_for(site, issue_id), change
    pair_id, rich = await find_pair(client, maps, site, issue_id)
    return pair_id, rich_text.read_through_rest(change, rich)


def issue_key_of(payload: Mapping[str, Any]) -> str | None:
    """The issue key a delivery names (comment and worklog events may name none)."""
    issue = payload.get("issue")
    key = issue.get("key") if isinstance(issue, dict) else None
    return key if isinstance(key, str) else None


async def find_pair(
    client: JiraClient, maps: FieldMaps, site: SiteNumber, issue_id: str
) -> tuple[str, dict[str, Any] | None]:
    """The pair an issue belongs to, by its link marker, and the issue's rich text as REST
    holds it (``rich_text.first_look``). Reading the marker is retried for as long as
    JIRA cannot answer: guessing "new pair" would duplicate our own issues."""
    delay = 1.0
    rich: dict[str, Any] | None = None
    while True:
        try:
            marker, rich = await rich_text.first_look(client, site, issue_id, maps)
            break
        except PermanentJiraError as error:  # cannot read it, so cannot be ours to recognise
            log.warning("link marker unreadable", extra={"site": site, "error": str(error)})
            marker = None
            break
        except JiraError as error:
            log.warning("link marker read failed; retrying", extra={"error": str(error)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
    return claimed(marker) or pair_id_for(site, issue_id), rich


def claimed(marker: Mapping[str, Any] | None) -> str | None:
    """The pair a link marker names (whether it takes the issue is the pair's to say,
    ``streams.sync.markers``)."""
    pair_id = marker.get("pair_id") if marker else None
    return pair_id if isinstance(pair_id, str) and pair_id else None
