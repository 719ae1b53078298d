"""``retry`` and the schedules: retries held until due, the periodic sweep of the pairs
that need another look (``retrying.needs_another_look``) and the daily full sync."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import faust

from streams.settings import Settings
from streams.state import PairState
from streams.sync.agents.keyed_stream import agent_for
from streams.sync.guards import parse_retry_record
from streams.sync.kafka_io import Sinks, Table
from streams.sync.keyed import Limits
from streams.sync.messages import Reexamine
from streams.sync.normalize import encode_message
from streams.sync.retrying import SWEEP, needs_another_look

log = logging.getLogger(__name__)


class Waits:
    """Retries waiting for their time. A rebalance ends every wait at once (``cut``, hooked
    on ``SyncApp.before_revoking``): Faust waits for every started event before it lets
    partitions go, and a retry may wait minutes, longer than a rebalance may take."""

    def __init__(self) -> None:
        self._cut = asyncio.Event()

    def cut(self, revoked: object = None) -> None:
        self._cut.set()
        self._cut = asyncio.Event()  # waits begun from now on wait afresh

    async def until_due(self, seconds: float) -> bool:
        """True once ``seconds`` have passed; False when a rebalance cut the wait."""
        cut = self._cut
        try:
            await asyncio.wait_for(cut.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False


def install(
    app: faust.App, source: faust.TopicT, sinks: Sinks, limits: Limits | None = None
) -> None:
    """Holds each retry until it is due, then asks the pair to look at itself again.

    With ``limits`` (``retry_limits``) the retries of different pairs wait at the same
    time, so one pair's long backoff never holds another pair's retry that is due sooner;
    a partition's offsets are still acknowledged in order (a record is committed once it
    and every earlier one were sent on). None: one record at a time, each waiting behind
    the one before it (for tests of the agent alone). A wait cut by a rebalance puts the
    record back on the retry topic, unchanged: it is never lost, at worst looked at twice
    (a pair's look is idempotent)."""
    waits = Waits()
    hooks = getattr(app, "before_revoking", None)
    if hooks is not None:
        hooks.append(waits.cut)

    async def retry(key: bytes, value: bytes, headers: Mapping[str, bytes]) -> None:
        try:
            message, wait = parse_retry_record(value, datetime.now(UTC))
        except ValueError as error:
            await sinks.reject("retry", key, f"not a retry record: {error}", None)
            return
        try:
            if wait > 0 and not await waits.until_due(wait):
                await sinks.retry.send(key=key, value=value)
                return
            await sinks.pair_changes.send(key=key, value=encode_message(message))
        except Exception as error:  # the retry agent must go on
            await sinks.survived("retry", key, error, value)

    app.agent(source, name="retry")(agent_for(app, limits, retry))


def retry_limits(settings: Settings) -> Limits:
    """Waiting retries take no slot worth bounding below the in-flight bounds: each pair
    (key) waits on its own, as many at once as may be in flight."""
    in_flight = settings.sync_in_flight
    return Limits(in_flight, in_flight, settings.sync_in_flight_per_partition)


def schedules(
    app: faust.App, settings: Settings, sinks: Sinks, pairs: Table, commands: faust.TopicT
) -> None:
    """Every worker sweeps the pairs of its own partitions; the daily full sync is sent by
    the worker that holds partition 0 of the command topic (so once per group)."""

    window = timedelta(seconds=settings.sync_retry_interval_seconds)  # an echo is late

    async def retry_failed() -> None:
        now = datetime.now(UTC)
        due = [
            key
            for key, raw in pairs.items()
            if needs_another_look(PairState.from_bytes(raw), now, window)
        ]
        message = encode_message(Reexamine(SWEEP))
        for key in due:
            await sinks.pair_changes.send(key=key, value=message)
        if due:
            log.info("scheduled retry of %d pairs", len(due))

    async def full_sync() -> None:
        assignment = cast(Any, app.consumer).assignment()
        name = commands.get_topic_name()
        if not any(tp.topic == name and tp.partition == 0 for tp in assignment):
            return
        await commands.send(key=b"full-resync", value=json.dumps({"full_resync": True}).encode())
        log.info("daily full sync requested")

    app.timer(settings.sync_retry_interval_seconds, name="retry-failed")(retry_failed)
    app.crontab(settings.sync_full_sync_cron, timezone=UTC, on_leader=False)(full_sync)
