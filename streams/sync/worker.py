"""The Faust topology of the sync worker (composition root: ``create_worker_app``).

events (site 1) --route-1--\\                                   /--> JIRA (both sites)
                            +--> pair-changes --sync-pair--> +---> sync-state (compacted)
events (site 2) --route-2--/    (key: pair id)    ^            \\--> retry, dead-letter
                                                  |
commands --commands--> snapshots onto events, resolve onto pair-changes
retry ----retry-----> re-examine the pair once it is due -------'

Each arrow is an agent in ``streams.sync.agents`` (``route``, ``pair``, ``commands``,
``retry``); the topics and durable sends are ``streams.sync.kafka_io``; what to retry or
dead-letter is ``streams.sync.retrying``. What they run on (clients, the complete frozen
``SyncConfig``, the knowledge store) is made before the app starts (``streams.sync.prepare``)
and handed to each agent.

Offsets are committed by Faust only after the producer is flushed, so a pair's state and
its retry/dead-letter records are durable before its input is marked done; a create's
intent, and the values a step is about to write, are acknowledged by Kafka before JIRA is
written (``Applier.before_writes``, ``kafka_io.durably``).

With ``metrics_port`` the worker serves its Prometheus metrics (``streams.sync.metrics``)
at ``http://127.0.0.1:<port>/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import faust

from streams.kafka_security import faust_credentials
from streams.settings import Settings
from streams.sites import SITES
from streams.sync.agents import commands, pair, retry, route
from streams.sync.guards import worker_web_settings
from streams.sync.kafka_io import PRODUCER_REQUEST_TIMEOUT, TABLES, declare, worker_group
from streams.sync.keyed import Limits
from streams.sync.made_here import MadeHere
from streams.sync.metrics import METRICS, consumer_offsets, serve
from streams.sync.prepare import Prepared
from streams.sync.rebalance import SyncApp
from streams.sync.retrying import Backoff

log = logging.getLogger(__name__)


def create_worker_app(
    settings: Settings,
    prepared: Prepared,
    store: str = "rocksdb://",
    web_port: int = 0,
    backoff: Backoff | None = None,
    metrics_port: int = 0,
) -> faust.App:
    """``web_port`` 0 leaves Faust's web server (health, stats) off; ``metrics_port`` 0,
    the metrics."""
    app = _faust_app(settings, store, web_port)
    topics = declare(app, settings)
    sinks, served = topics.sinks, prepared.connections
    clients = prepared.applier.clients
    limits = pair_limits(settings)
    made = MadeHere()  # counterparts made here, for the route agents (no marker read)
    for site in SITES:
        route.install(app, site, topics.events[site], sinks, clients, served, limits, made)
    pairs = app.Table(TABLES[0], default=None, key_type=bytes, value_type=bytes)
    backoff = backoff or Backoff()
    pair.install(app, topics.pair_changes, sinks, pairs, served, backoff, limits, made)
    retry.schedules(app, settings, sinks, pairs, topics.commands)
    retry.install(app, topics.retry, sinks, retry.retry_limits(settings))
    commands.install(app, topics.commands, sinks, served)

    async def close_clients(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        await prepared.close()

    app.on_before_shutdown.connect(cast(Any, close_clients))  # mode types it too narrowly
    if metrics_port:
        observed(app, prepared, metrics_port)
    return app


def observed(app: faust.App, prepared: Prepared, port: int) -> None:
    """The JIRA clients and the consumer observed, and ``/metrics`` served on ``port``
    while the worker runs."""
    for site, client in prepared.applier.clients.items():
        client.transport.observer = METRICS.site(site)
    METRICS.load.offsets = lambda: consumer_offsets(app)

    async def serve_metrics() -> None:
        runner = await serve(METRICS, port)
        log.info("worker metrics at http://127.0.0.1:%d/metrics", port, extra={"port": port})
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    app.task(serve_metrics)


def pair_limits(settings: Settings) -> Limits | None:
    """How many pairs (and route lookups) at once; None: one event at a time."""
    if settings.sync_pair_concurrency == 1:
        return None
    return Limits(
        concurrency=settings.sync_pair_concurrency,
        in_flight=settings.sync_in_flight,
        per_partition=settings.sync_in_flight_per_partition,
    )


def _faust_app(settings: Settings, store: str, web_port: int) -> faust.App:
    serial = pair_limits(settings) is None
    return SyncApp(
        worker_group(settings),
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        broker_credentials=faust_credentials(settings.kafka_security()),
        store=store,
        processing_guarantee="at_least_once",
        topic_disable_leader=True,
        topic_partitions=settings.kafka_partitions,
        topic_replication_factor=settings.kafka_replication_factor,
        # No standby table copies: set while chasing events lost around rebalances
        # (faust-streaming 0.15.3; the cause and its fix are in streams/sync/rebalance.py).
        # One event at a time commits after every event, as it did then; concurrent
        # pairs commit in batches (every so many acknowledged events, or so often).
        table_standby_replicas=0,
        **_commits(settings, serial),
        # Faust's default is 20 minutes: one produce request without an answer would then
        # hold every later send (and a step waiting for its state to be durable) that long.
        producer_request_timeout=PRODUCER_REQUEST_TIMEOUT,
        broker_session_timeout=settings.kafka_session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout_seconds / 3),
        **worker_web_settings(web_port),
    )


def _commits(settings: Settings, serial: bool) -> dict[str, Any]:
    if serial:
        return {"broker_commit_every": 1}
    return {
        "broker_commit_every": settings.sync_commit_every,
        "broker_commit_interval": settings.sync_commit_interval_seconds,
    }
