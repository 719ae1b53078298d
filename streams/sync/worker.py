"""The Faust topology of the sync worker (composition root: ``create_worker_app``).

events (site 1) --route_1--\\                                   /--> JIRA (both sites)
                            +--> pair-changes --sync_pair--> +
events (site 2) --route_2--/    (key: pair id)                 \\--> sync-state (compacted)

``route_N`` finds the pair of an issue: the link table of its site, else the link marker
property on the issue (one read, the first time an issue is seen), else the issue starts a
new pair. Re-keying by pair id serialises everything about one pair on one partition.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import faust

from streams.jira.client import JiraClient
from streams.jira.sites import site_auth
from streams.jira.transport import JiraTransport
from streams.records import WebhookEnvelope
from streams.settings import Settings
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.engine import handle
from streams.sync.messages import SiteNumber, SyncConfig, pair_id_for
from streams.sync.normalize import change_from_envelope, change_from_json, change_to_json
from streams.topics import Topics

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """JIRA clients live in the worker's event loop: opened on first use."""

    settings: Settings
    config: SyncConfig
    applier: Applier | None = None
    _opening: asyncio.Lock | None = None
    _sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    async def get(self) -> Applier:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self.applier is None:
                self.applier = await self._open()
        return self.applier

    async def _open(self) -> Applier:
        clients: dict[int, JiraClient] = {}
        urls: dict[int, str] = {}
        sites: tuple[SiteNumber, ...] = (1, 2)
        for site in sites:
            auth = site_auth(self.settings, site)
            session = aiohttp.ClientSession()  # closed by ``close`` at worker shutdown
            self._sessions.append(session)
            clients[site] = JiraClient(JiraTransport(auth, session))
            urls[site] = auth.base_url
        return Applier(clients, self.config, urls)

    async def close(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()


def create_worker_app(
    settings: Settings, config: SyncConfig, store: str = "rocksdict://", web_port: int = 0
) -> faust.App:
    """``web_port`` 0 leaves Faust's web server (health, stats) off."""
    topics = Topics(settings.kafka_topic_prefix)
    app = faust.App(
        f"{settings.kafka_topic_prefix}.worker",
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store=store,
        processing_guarantee="at_least_once",
        topic_disable_leader=True,
        topic_partitions=settings.kafka_partitions,
        topic_replication_factor=settings.kafka_replication_factor,
        web_enabled=web_port > 0,
        web_port=web_port or 6066,
        web_bind="0.0.0.0" if web_port else "127.0.0.1",  # noqa: S104 - inside a container only
    )
    runtime = Runtime(settings, config)
    partitions = settings.kafka_partitions
    pair_changes = _raw_topic(app, topics.pair_changes, partitions)
    state_topic = _raw_topic(app, topics.sync_state, partitions, compacting=True)
    pairs = app.Table("pairs", default=None, key_type=bytes, value_type=bytes)
    sites: tuple[SiteNumber, ...] = (1, 2)
    for site in sites:
        events = _raw_topic(app, topics.events(site), partitions)
        _route_agent(app, runtime, site, events, pair_changes)
    _pair_agent(app, runtime, pair_changes, pairs, state_topic)

    async def close_clients(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        await runtime.close()

    app.on_before_shutdown.connect(cast(Any, close_clients))  # mode types it too narrowly

    return app


def _raw_topic(
    app: faust.App, name: str, partitions: int, compacting: bool = False
) -> faust.TopicT:
    """Declared (created when missing) at start, so no consumer waits for a metadata refresh."""
    return app.topic(
        name,
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
        internal=True,
        compacting=compacting,
    )


def _route_agent(
    app: faust.App, runtime: Runtime, site: SiteNumber, source: Any, sink: Any
) -> None:
    links = app.Table(f"links-{site}", default=None, key_type=bytes, value_type=bytes)

    async def route(stream: faust.StreamT[Any]) -> None:
        async for key, value in stream.items():
            change = change_from_envelope(WebhookEnvelope.from_bytes(value), runtime.config.maps)
            if change is None:
                continue
            known = links.get(key)
            pair_id = known.decode() if known else await _find_pair(runtime, site, change.issue_id)
            if not known:
                links[key] = pair_id.encode()
            await sink.send(key=pair_id.encode(), value=json.dumps(change_to_json(change)).encode())

    app.agent(source, name=f"route-{site}")(route)


async def _find_pair(runtime: Runtime, site: SiteNumber, issue_id: str) -> str:
    marker = await (await runtime.get()).link_of(site, issue_id)
    if marker and isinstance(marker.get("pair_id"), str):
        return str(marker["pair_id"])
    return pair_id_for(site, issue_id)


def _pair_agent(app: faust.App, runtime: Runtime, source: Any, pairs: Any, sink: Any) -> None:
    async def sync_pair(stream: faust.StreamT[Any]) -> None:
        async for key, value in stream.items():
            change = change_from_json(json.loads(value))
            stored = pairs.get(key)
            pair = PairState.from_bytes(stored) if stored else None
            result = await handle(
                change, pair, runtime.config, await runtime.get(), datetime.now(UTC)
            )
            if result.state is not None and result.state != pair:
                pairs[key] = result.state.to_bytes()
                await sink.send(key=key, value=result.state.to_bytes())

    app.agent(source, name="sync-pair")(sync_pair)
