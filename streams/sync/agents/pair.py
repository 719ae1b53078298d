"""``sync-pair``: one pair step per message, serial per pair (key: pair id), different
pairs at the same time (``streams.sync.agents.keyed_stream``).

Claim (the link marker of the issue agrees) -> ``engine.handle`` (decide, apply, fold; the
pair made durable before JIRA is written) -> ``retrying.follow_up`` (retry, dead letters) ->
journal entry -> the new state in the ``pairs`` table and on sync-state."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import faust

from streams.jira.errors import JiraError, PermanentJiraError
from streams.state import PairState
from streams.sync import journal, markers
from streams.sync.agents.keyed_stream import agent_for
from streams.sync.applier import Applier
from streams.sync.engine import StepResult, handle
from streams.sync.facts import CreateFound
from streams.sync.guards import crashed
from streams.sync.kafka_io import HasProducer, Sinks, Table, durably
from streams.sync.keyed import Limits
from streams.sync.made_here import MadeHere
from streams.sync.messages import (
    CommentChanged,
    IssueChanged,
    PairMessage,
    SiteNumber,
    SyncConfig,
)
from streams.sync.metrics import METRICS
from streams.sync.normalize import (
    encode_message,
    message_from_json,
    message_to_json,
    route_envelope,
)
from streams.sync.retrying import Backoff, follow_up
from streams.sync.served import Served

log = logging.getLogger(__name__)


def install(
    app: faust.App,
    source: faust.TopicT,
    sinks: Sinks,
    pairs: Table,
    served: Served,
    backoff: Backoff,
    limits: Limits | None = None,
    made: MadeHere | None = None,
) -> None:
    """``limits``: pairs handled at once (``keyed_stream``); None, one event at a time.
    ``served``: the connections, each with its config, applier and JQL gate (asked of JIRA
    for an issue with no pair yet); ``made``: the counterparts made, for the route agents."""
    step = PairStep(app, sinks, pairs, served, backoff, made or MadeHere())

    async def sync_pair(key: bytes, value: bytes, headers: Mapping[str, bytes]) -> None:
        try:
            await step(key, value)
        except Exception as error:  # a bug must not stop every other pair
            await sinks.survived("pair-changes", key, error, value)
            await fail_pair(sinks, pairs, key, error)

    app.agent(source, name="sync-pair")(agent_for(app, limits, sync_pair))


@dataclass(frozen=True)
class PairStep:
    app: HasProducer
    sinks: Sinks
    pairs: Table
    served: Served
    backoff: Backoff
    made_here: MadeHere

    async def __call__(self, key: bytes, value: bytes) -> None:
        try:
            message = message_from_json(json.loads(value))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            await self.sinks.reject("pair-changes", key, f"not a pair message: {error}", None)
            return
        stored = self.pairs.get(key)
        pair = PairState.from_bytes(stored) if stored else None
        serving = self.served.of_message(message, pair)
        if serving is None:
            log.info("pair %s: ignored: in no connection's project", key.decode())
            return
        if not await self._claimed(key, pair, message, serving.config):
            return  # sent to the issue's own pair instead
        gate = serving.gate
        if pair is None and isinstance(message, IssueChanged) and gate is not None:
            message = await gate.answered(message)  # data for the first sight
        now = datetime.now(UTC)
        result = await self._handled(key, message, pair, now, serving.applier)
        METRICS.step(pair, result, serving.name)
        if result is None:
            return
        await self._route_found(key, result)
        log.info(
            "pair %s: %s (%d writes)",
            key.decode(),
            result.note,
            result.writes,
            extra={"pair_id": key.decode(), "note": result.note, "writes": result.writes},
        )
        decided, after = follow_up(message, pair, result, self.backoff, now), None
        await self.sinks.follow(key, message_to_json(message), decided)
        if decided.state is not None:  # encoded once: the journal's digest, table, sync-state
            after = decided.state.to_bytes()
        record = journal.step_record(
            key.decode(), now, message, pair, result.events, decided.state, decided.retry_due, after
        )
        await self.sinks.journal.send(key=key, value=record)
        if decided.state is not None and decided.state != pair:
            await self.sinks.publish(self.pairs, key, decided.state, after)

    async def _route_found(self, key: bytes, result: StepResult) -> None:
        """Each counterpart a recovery found is routed to the pair (``_routed``)."""
        for fact in [f for f in result.events if isinstance(f, CreateFound)]:
            await self._routed(key, fact.site, fact.issue_id)

    async def _routed(self, key: bytes, site: SiteNumber, issue: str) -> None:
        """A counterpart made is routed to the pair at once, on its site's events topic
        (the route agent learns it in order with the issue's webhooks), so its
        ``issue_created`` echo, when it comes after, needs no marker read; one that comes
        first is routed from this worker's memory (``made_here``), else by its marker."""
        self.made_here.made(site, issue, key.decode())
        route = route_envelope(site, issue, key.decode(), f"made:{issue}", datetime.now(UTC))
        await self.sinks.events[site].send(key=issue.encode(), value=route.to_bytes())

    async def _handled(
        self,
        key: bytes,
        message: PairMessage,
        pair: PairState | None,
        now: datetime,
        applier: Applier,
    ) -> StepResult | None:
        """The engine's step, its pair made durable before JIRA is written; None when it
        crashed (dead-lettered, and the pair says it failed)."""
        persist = functools.partial(durably, self.app, self.sinks, self.pairs, key)
        made = functools.partial(self._routed, key)
        applier = dataclasses.replace(applier, before_writes=persist, made=made)
        try:
            return await handle(message, pair, applier.config, applier, now)
        except Exception as error:  # a bug must not stop every other pair
            log.exception("pair step crashed", extra={"pair_id": key.decode()})
            reason = f"internal error: {type(error).__name__}: {error}"
            await self.sinks.reject("pair-changes", key, reason, message_to_json(message))
            await fail_pair(self.sinks, self.pairs, key, error)
            return None

    async def _claimed(
        self, key: bytes, pair: PairState | None, message: PairMessage, config: SyncConfig
    ) -> bool:
        """The pair takes the issue its link marker routed here (``streams.sync.markers``,
        in the pair's own serial step, so nothing changes its sides meanwhile); else the
        message goes to the issue's own pair, which warns why."""
        if not isinstance(message, IssueChanged | CommentChanged):
            return True
        client = self.served.first.applier.clients[message.site]

        async def read() -> markers.Seen:
            delay = 1.0
            while True:  # as in ``route.find_pair``: a guess would adopt or duplicate
                try:
                    return await markers.read_claim(client, message.issue_id)
                except (PermanentJiraError, ValueError) as error:  # ValueError: not an issue
                    log.warning("link marker unreadable", extra={"error": str(error)})
                    return markers.Seen()
                except JiraError as error:
                    log.warning("link marker read failed; retrying", extra={"error": str(error)})
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 60.0)

        async def send(pair_id: str, rerouted: PairMessage) -> None:
            await self.sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(rerouted))

        ours = config.integration_accounts.get(message.site)
        return await markers.checked(
            message, key.decode(), pair, read, ours, config.marker_secret, send
        )


async def fail_pair(sinks: Sinks, pairs: Table, key: bytes, error: Exception) -> None:
    """The pair says it failed (retryable), so the periodic sweep looks at it again. The
    journal gets that state as an intent record, which a replay adopts as it is: the pair's
    next step starts from it, and a replay that never saw it would call the pair diverged."""
    stored = pairs.get(key)
    try:
        pair = PairState.from_bytes(stored) if stored else None
    except ValueError:
        pair = None  # unreadable: the dead letter says so
    if pair is None:
        return  # no pair (yet): the dead letter holds the message
    state = crashed(pair, error, datetime.now(UTC))
    await sinks.journal.send(key=key, value=journal.intent_record(key.decode(), state))
    await sinks.publish(pairs, key, state)
