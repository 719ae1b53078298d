"""The Faust topology of the sync worker (composition root: ``create_worker_app``).

events (site 1) --route-1--\\                                   /--> JIRA (both sites)
                            +--> pair-changes --sync-pair--> +---> sync-state (compacted)
events (site 2) --route-2--/    (key: pair id)    ^            \\--> retry, dead-letter
                                                  |
commands --commands--> snapshots onto events, resolve onto pair-changes
retry ----retry-----> re-examine the pair once it is due -------'

``route-N`` finds the pair of an issue: the link table of its site, else the link marker
property on the issue (one read, the first time an issue is seen), else the issue starts a
new pair. Re-keying by pair id serialises everything about one pair on one partition.
Offsets are committed by Faust only after the producer is flushed, so a pair's state and
its retry/dead-letter records are durable before its input is marked done; a create's
intent, and the values a step is about to write, are acknowledged by Kafka before JIRA is
written (``Applier.before_writes``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import aiohttp
import faust

from streams.commands import (
    CommandError,
    FullResync,
    ManualSync,
    ResolveConflict,
    parse_command,
)
from streams.jira.client import JiraClient
from streams.jira.errors import (
    JiraError,
    NotFound,
    PermanentJiraError,
    retry_after_seconds,
)
from streams.jira.models import Issue
from streams.jira.ratelimit import JIRA_CLOUD_BURST, SiteLimiter
from streams.jira.sites import site_auth
from streams.kafka_admin import TopicShape, ensure_topics
from streams.records import WebhookEnvelope
from streams.settings import Settings
from streams.state import PairState, PairStatus
from streams.sync import journal, markers, rich_text
from streams.sync.applier import Applier, Retry
from streams.sync.catalog import resolve_custom_fields
from streams.sync.engine import Rejected, StepResult, handle
from streams.sync.fields import CustomField
from streams.sync.guards import crashed, parse_retry_record, worker_web_settings
from streams.sync.mapping import CustomFieldSpec, MappingFile
from streams.sync.messages import (
    CommentChanged,
    IssueChanged,
    PairMessage,
    Reexamine,
    Resolve,
    SiteNumber,
    SyncConfig,
    pair_id_for,
    resync_event_id,
)
from streams.sync.normalize import (
    change_from_envelope,
    encode_message,
    message_from_json,
    message_to_json,
    snapshot_envelope,
)
from streams.sync.rebalance import SyncApp
from streams.topics import Topics

log = logging.getLogger(__name__)
SITES: tuple[SiteNumber, ...] = (1, 2)


@dataclass(frozen=True)
class Backoff:
    """Retry delays: exponential from ``first``, capped, never shorter than Retry-After
    (itself capped at ``cap``; a non-finite one is ignored)."""

    first: float = 2.0
    cap: float = 300.0
    attempts: int = 10  # then the work goes to the dead-letter topic

    def delay(self, attempt: int, retry_after: float | None) -> float:
        exponential = min(self.cap, self.first * 2 ** (attempt - 1))
        jittered = exponential * random.uniform(0.8, 1.0)  # noqa: S311 - spreading, not secrecy
        honoured = min(self.cap, retry_after_seconds(retry_after) or 0.0)
        return float(max(honoured, jittered))


@dataclass
class Runtime:
    """JIRA clients live in the worker's event loop: opened on first use."""

    settings: Settings
    config: SyncConfig
    backoff: Backoff = field(default_factory=Backoff)
    custom_fields: list[CustomFieldSpec] = field(default_factory=list)  # the mapping file's
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
        accounts: dict[int, str] = {}
        for site in SITES:
            auth = site_auth(self.settings, site)
            session = aiohttp.ClientSession()  # closed by ``close`` at worker shutdown
            self._sessions.append(session)
            rates = {
                m: r * self.settings.jira_rate_limit_scale for m, r in JIRA_CLOUD_BURST.items()
            }
            transport = journal.JournalledTransport(
                auth,
                session,
                SiteLimiter(rates),
                timeout=self.settings.jira_request_timeout_seconds,
            )
            transport.site = site
            clients[site] = JiraClient(transport)
            urls[site] = auth.base_url
            try:
                accounts[site] = (await clients[site].myself()).account_id
            except JiraError as error:  # only used to label echoes in logs
                log.warning(
                    "integration account unknown", extra={"site": site, "error": str(error)}
                )
            await _ask_notifications(clients[site], site, self.config.project_keys.get(site))
        self.config = dataclasses.replace(
            self.config, integration_accounts=accounts, **await self._custom(clients)
        )
        catalogs = journal.JournalledCatalogs(
            clients, self.config.project_keys, self.config.maps, self.config.create_missing
        )
        return Applier(clients, self.config, urls, catalogs=catalogs)

    async def _custom(self, clients: dict[int, JiraClient]) -> dict[str, Any]:
        """The mapping file's custom fields, resolved to each site's ids by name; JIRA
        must answer (a sync without them would mistake their changes for no change)."""
        if not self.custom_fields:
            return {}
        delay = 1.0
        while True:
            try:
                resolved, problems = await resolve_custom_fields(clients, self.custom_fields)
                break
            except JiraError as error:
                log.warning("custom fields unreadable; retrying: %s", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
        for problem in problems:
            log.error("custom field not synced: %s", problem)
        return with_custom_fields(self.config, resolved)

    async def close(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()


def with_custom_fields(config: SyncConfig, resolved: list[CustomField]) -> dict[str, Any]:
    """The ``SyncConfig`` changes that make ``resolved`` synced fields."""
    maps = dataclasses.replace(config.maps, custom=tuple(resolved))
    return {"maps": maps, "fields": (*config.fields, *(c.key for c in resolved))}


def step_context(applier: Applier) -> dict[str, Any]:
    """What a step can consult besides its input and JIRA (for the journal)."""
    config = applier.config
    context = journal.context_of(
        config.integration_accounts,
        {custom.name: custom.ids for custom in config.maps.custom},
        config.maps.users.one_to_two,
        applier.graphs,
        applier.browse_urls,
        catalogs=applier.catalogs is not None,
    )
    return context | {"quiet": journal.quiet_of(applier.clients)}


@dataclass(frozen=True)
class Sinks:
    pair_changes: Any
    sync_state: Any
    retry: Any
    dead_letter: Any
    events: dict[SiteNumber, Any]
    journal: Any

    async def reject(self, source: str, key: bytes | None, reason: str, value: object) -> None:
        """Nothing is dropped silently: what cannot be done is kept with its reason."""
        record = {
            "reason": reason,
            "source": source,
            "key": key.decode(errors="replace") if key else None,
            "value": value,
            "at": datetime.now(UTC).isoformat(),
        }
        log.warning("dead-lettered", extra={"source": source, "reason": reason})
        await self.dead_letter.send(key=key, value=json.dumps(record).encode())


async def _durably(
    app: faust.App, sinks: Sinks, pairs: Any, key: bytes, state: PairState, delay: float = 1.0
) -> None:
    """The pair's state (table, sync-state, an intent in the journal) on Kafka before the
    step writes to JIRA: written again until the broker has acknowledged it, since a write
    made on a state that is lost would be taken for someone else's after a crash."""
    while True:
        pairs[key] = state.to_bytes()
        sent = [
            await sinks.sync_state.send(key=key, value=state.to_bytes()),
            await sinks.journal.send(key=key, value=journal.intent_record(key.decode(), state)),
        ]
        await flushed(app)
        problem = _unacknowledged(sent)
        if problem is None:
            return
        log.warning(
            "pair state not acknowledged by Kafka; writing it again in %.0f s: %s",
            delay,
            problem,
            extra={"pair_id": key.decode()},
        )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


def _unacknowledged(sent: list[Any]) -> str | None:
    """Why one of these sends is not on Kafka after a flush; None when all are."""
    for future in sent:
        if not future.done():
            return "still unsent after the flush"
        if future.cancelled():
            return "cancelled"
        if future.exception() is not None:
            return repr(future.exception())
    return None


async def flushed(app: faust.App, report_every: float = 15.0) -> None:
    """Waits until the producer has flushed; while it takes long, logs the Kafka client's
    state now and then, so that a stall says where it is."""
    flush = asyncio.ensure_future(app.producer.flush())
    waited = 0.0
    while True:
        done, _ = await asyncio.wait({flush}, timeout=report_every)
        if done:
            flush.result()
            return
        waited += report_every
        log.warning("producer flush still waiting after %.0f s: %s", waited, producer_state(app))


def producer_state(app: faust.App) -> dict[str, Any]:
    """What aiokafka's producer holds, for a log line (its internals; best effort)."""
    faust_producer: Any = app.producer
    state: dict[str, Any] = {"faust_buffer": faust_producer.buffer.size}
    kafka = getattr(faust_producer, "_producer", None)
    if kafka is None:
        return state
    sender = kafka._sender
    accumulator = kafka._message_accumulator
    cluster = kafka.client.cluster
    task = sender.sender_task
    state |= {
        "sender_done": task is not None and task.done(),
        "in_flight": sorted(sender._in_flight),
        "muted": sorted(str(tp) for tp in sender._muted_partitions),
        "batches": {
            f"{tp.topic}[{tp.partition}]": {
                "count": len(batches),
                "leader": cluster.leader_for_partition(tp),
                "expired": [batch.expired() for batch in batches],
            }
            for tp, batches in accumulator._batches.items()
            if batches
        },
        "pending_batches": [str(batch.tp) for batch in accumulator._pending_batches],
        "metadata_update_pending": kafka.client._md_update_fut is not None,
        "connections": [str(conn_id) for conn_id in kafka.client._conns],
    }
    return state


PRODUCER_REQUEST_TIMEOUT = 30.0  # seconds; the Java client's request.timeout.ms


def worker_topics(settings: Settings) -> list[TopicShape]:
    """The topics the worker produces to without consuming them first, in their shape."""
    topics = Topics(settings.kafka_topic_prefix)
    size = (settings.kafka_partitions, settings.kafka_replication_factor)
    compacted = {"cleanup.policy": "compact"}
    names = [
        topics.dead_letter,
        topics.retry,
        topics.pair_changes,
        topics.journal,
        topics.events(1),
        topics.events(2),
        topics.commands,
    ]
    return [
        TopicShape(topics.sync_state, *size, compacted),
        *(TopicShape(name, *size) for name in names),
    ]


async def prepare_kafka(settings: Settings) -> None:
    """Before the worker starts: its topics exist, in their shape."""
    await ensure_topics(settings.kafka_bootstrap_servers, worker_topics(settings), 30.0)


def worker_group(settings: Settings) -> str:
    """The consumer group of all workers of one deployment (Faust's app id)."""
    return f"{settings.kafka_topic_prefix}.worker"


def create_worker_app(
    settings: Settings,
    config: SyncConfig,
    store: str = "rocksdb://",
    web_port: int = 0,
    backoff: Backoff | None = None,
    mapping: MappingFile | None = None,
) -> faust.App:
    """``web_port`` 0 leaves Faust's web server (health, stats) off."""
    topics = Topics(settings.kafka_topic_prefix)
    app = SyncApp(
        worker_group(settings),
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store=store,
        processing_guarantee="at_least_once",
        topic_disable_leader=True,
        topic_partitions=settings.kafka_partitions,
        topic_replication_factor=settings.kafka_replication_factor,
        # No standby table copies and a commit after every event: set while chasing events
        # lost around rebalances (faust-streaming 0.15.3; the cause and its fix are in
        # streams/sync/rebalance.py); kept because a takeover then loses the least work.
        table_standby_replicas=0,
        broker_commit_every=1,
        # Faust's default is 20 minutes: one produce request without an answer would then
        # hold every later send (and a step waiting for its state to be durable) that long.
        producer_request_timeout=PRODUCER_REQUEST_TIMEOUT,
        broker_session_timeout=settings.kafka_session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout_seconds / 3),
        **worker_web_settings(web_port),
    )
    customs = list(mapping.custom_fields) if mapping is not None else []
    runtime = Runtime(settings, config, backoff or Backoff(), customs)
    partitions = settings.kafka_partitions
    events = {site: _raw_topic(app, topics.events(site), partitions) for site in SITES}
    sinks = Sinks(
        pair_changes=_raw_topic(app, topics.pair_changes, partitions),
        sync_state=_raw_topic(app, topics.sync_state, partitions, compacting=True),
        retry=_raw_topic(app, topics.retry, partitions),
        dead_letter=_raw_topic(app, topics.dead_letter, partitions),
        events=events,
        journal=_raw_topic(app, topics.journal, partitions),
    )
    for site in SITES:
        _route_agent(app, runtime, site, events[site], sinks)
    pairs = app.Table("pairs", default=None, key_type=bytes, value_type=bytes)
    _pair_agent(app, runtime, sinks, pairs)
    commands = _raw_topic(app, topics.commands, partitions)
    _schedules(app, settings, sinks, pairs, commands)
    _retry_agent(app, sinks)
    _commands_agent(app, runtime, commands, sinks)

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


# --- routing: issue -> pair -------------------------------------------------------------


def _route_agent(
    app: faust.App, runtime: Runtime, site: SiteNumber, source: Any, sinks: Sinks
) -> None:
    links = app.Table(f"links-{site}", default=None, key_type=bytes, value_type=bytes)

    async def route(stream: faust.StreamT[Any]) -> None:
        async for key, value in stream.items():
            try:
                try:
                    envelope = WebhookEnvelope.from_bytes(value)
                except ValueError as error:
                    await sinks.reject(f"events-{site}", key, f"not an envelope: {error}", None)
                    continue
                await runtime.get()  # custom field ids are known from here on
                change = change_from_envelope(envelope, runtime.config.maps)
                if change is None:
                    continue
                known = links.get(key)
                if known:
                    pair_id = known.decode()
                else:  # its first sight: the read of its marker brings its rich text along
                    pair_id, rich = await _find_pair(runtime, site, change.issue_id)
                    change = rich_text.read_through_rest(change, rich)
                if not known:
                    links[key] = pair_id.encode()
                    record = journal.route_record(site, key.decode(), pair_id)
                    await sinks.journal.send(key=key, value=record)
                log.info("site %d issue %s: pair %s", site, change.issue_key, pair_id)
                await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(change))
            except Exception as error:  # a bad record or answer must not stop the site
                await _survived(sinks, f"events-{site}", key, error, value)

    app.agent(source, name=f"route-{site}")(route)


async def _find_pair(
    runtime: Runtime, site: SiteNumber, issue_id: str
) -> tuple[str, dict[str, Any] | None]:
    """The pair an issue belongs to, by its link marker, and the issue's rich text as REST
    holds it (``rich_text.first_look``). Reading the marker is retried for as long as
    JIRA cannot answer: guessing "new pair" would duplicate our own issues."""
    delay = 1.0
    rich: dict[str, Any] | None = None
    while True:
        try:
            applier = await runtime.get()
            marker, rich = await rich_text.first_look(
                applier.clients[site], site, issue_id, applier.config.maps
            )
            break
        except PermanentJiraError as error:  # cannot read it, so cannot be ours to recognise
            log.warning("link marker unreadable", extra={"site": site, "error": str(error)})
            marker = None
            break
        except JiraError as error:
            log.warning("link marker read failed; retrying", extra={"error": str(error)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
    if marker and isinstance(marker.get("pair_id"), str):
        return str(marker["pair_id"]), rich
    return pair_id_for(site, issue_id), rich


# --- the pair: decide, apply, record ---------------------------------------------------


async def _claimed(
    runtime: Runtime,
    sinks: Sinks,
    key: bytes,
    pair: PairState | None,
    message: PairMessage,
) -> bool:
    """The pair takes the issue its link marker routed here (``streams.sync.markers``, in
    the pair's own serial step, so nothing changes its sides meanwhile); else the message
    goes to the issue's own pair, which warns why."""
    if not isinstance(message, IssueChanged | CommentChanged):
        return True
    applier = await runtime.get()
    client = applier.clients[message.site]

    async def read() -> markers.Seen:
        delay = 1.0
        while True:  # as in ``_find_pair``: a guess would adopt or duplicate
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
        await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(rerouted))

    ours = runtime.config.integration_accounts.get(message.site)
    secret = runtime.config.marker_secret
    return await markers.checked(message, key.decode(), pair, read, ours, secret, send)


def _pair_agent(app: faust.App, runtime: Runtime, sinks: Sinks, pairs: Any) -> None:
    async def sync_pair(stream: faust.StreamT[Any]) -> None:
        async for key, value in stream.items():
            try:
                await step(key, value)
            except Exception as error:  # a bug must not stop every other pair
                await _survived(sinks, "pair-changes", key, error, value)
                await _fail_pair(sinks, pairs, key, error)

    async def step(key: bytes, value: bytes) -> None:
        try:
            message = message_from_json(json.loads(value))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            await sinks.reject("pair-changes", key, f"not a pair message: {error}", None)
            return
        stored = pairs.get(key)
        pair = PairState.from_bytes(stored) if stored else None
        if not await _claimed(runtime, sinks, key, pair, message):
            return  # sent to the issue's own pair instead

        persist = functools.partial(_durably, app, sinks, pairs, key)
        applier = dataclasses.replace(await runtime.get(), before_writes=persist)
        now = datetime.now(UTC)
        record = journal.start(key.decode(), message, pair, step_context(applier), now)
        try:
            with journal.recording(record):
                result = await handle(message, pair, runtime.config, applier, now)
        except Exception as error:  # a bug must not stop every other pair
            log.exception("pair step crashed", extra={"pair_id": key.decode()})
            reason = f"internal error: {type(error).__name__}: {error}"
            await sinks.reject("pair-changes", key, reason, message_to_json(message))
            await _fail_pair(sinks, pairs, key, error)
            return
        log.info(
            "pair %s: %s (%d writes)",
            key.decode(),
            result.note,
            result.writes,
            extra={"pair_id": key.decode(), "note": result.note, "writes": result.writes},
        )
        state, record.retry_due = await _follow_up(runtime, sinks, key, message, pair, result, now)
        record.after = journal.digest(state)
        await sinks.journal.send(key=key, value=record.to_bytes())
        if state is not None and state != pair:
            pairs[key] = state.to_bytes()
            await sinks.sync_state.send(key=key, value=state.to_bytes())

    app.agent(sinks.pair_changes, name="sync-pair")(sync_pair)


async def _survived(
    sinks: Sinks, source: str, key: bytes | None, error: Exception, value: object
) -> None:
    """An input an agent could not handle: dead-lettered with the error, and the agent
    goes on with the next one."""
    log.exception("%s: record not handled", source, extra={"key": repr(key)})
    shown = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    reason = f"internal error: {type(error).__name__}: {error}"
    await sinks.reject(source, key, reason, shown)


async def _fail_pair(sinks: Sinks, pairs: Any, key: bytes, error: Exception) -> None:
    """The pair says it failed (retryable), so the periodic sweep looks at it again."""
    stored = pairs.get(key)
    try:
        pair = PairState.from_bytes(stored) if stored else None
    except ValueError:
        pair = None  # unreadable: the dead letter says so
    if pair is None:
        return  # no pair (yet): the dead letter holds the message
    state = crashed(pair, error, datetime.now(UTC))
    pairs[key] = state.to_bytes()
    await sinks.sync_state.send(key=key, value=state.to_bytes())


async def _follow_up(
    runtime: Runtime,
    sinks: Sinks,
    key: bytes,
    message: PairMessage,
    before: PairState | None,
    result: StepResult,
    now: datetime,
) -> tuple[PairState | None, datetime | None]:
    """Schedules the retry a step asked for, and dead-letters what cannot be done; returns
    the pair and when its retry is due (None when none was scheduled)."""
    state = result.state
    body = message_to_json(message)
    if isinstance(result.outcome, Rejected):
        await sinks.reject("commands", key, result.outcome.reason, body)
    if state is not None:
        state, letter = dead_letter_due(message, before, state)
        if letter is not None:
            await sinks.reject("pair-changes", key, letter, body)
    if result.retry is None or state is None:
        return state, None
    attempt = message.attempt + 1 if isinstance(message, Reexamine) else 1
    if attempt > runtime.backoff.attempts:
        reason = f"gave up after {attempt - 1} retries: {result.retry.reason}"
        await sinks.reject("retry", key, reason, body)
        return state, None
    due = now + timedelta(seconds=runtime.backoff.delay(attempt, result.retry.after))
    await sinks.retry.send(key=key, value=_retry_record(result.retry, attempt, due))
    return retry_due_on(state, due), due


def dead_letter_due(
    message: PairMessage, before: PairState | None, state: PairState
) -> tuple[PairState, str | None]:
    """The pair after a step, and the reason to dead-letter, if any (pure: a replay marks
    the pair the same way). A new permanent failure is dead-lettered once and the pair
    remembers it; the sweep (a ``Reexamine``) meeting the same failure again sends nothing,
    as nothing changed. A new event, a manual sync or a resolve that fails again does."""
    failure, old = state.failure, before.failure if before is not None else None
    if state.status is not PairStatus.FAILED or failure is None or failure.retryable:
        return state, None
    if failure == old:
        return state, None
    marked = state.model_copy(
        update={"failure": failure.model_copy(update={"dead_lettered": True})}
    )
    swept = isinstance(message, Reexamine) and old is not None and old.dead_lettered
    if swept and old is not None and old.reason == failure.reason:
        return marked, None
    return marked, failure.reason


def retry_due_on(state: PairState, due: datetime) -> PairState:
    """The pair's failure says when it is tried again."""
    if state.failure is None:
        return state
    failure = state.failure.model_copy(update={"next_retry_at": due})
    return state.model_copy(update={"failure": failure})


def _retry_record(retry: Retry, attempt: int, due: datetime) -> bytes:
    return json.dumps({"reason": retry.reason, "attempt": attempt, "due": due.isoformat()}).encode()


def _retry_agent(app: faust.App, sinks: Sinks) -> None:
    """Holds each retry until it is due, then asks the pair to look at itself again.

    One partition waits on its head record, so a later record that is due sooner waits with
    it; delays are capped (``Backoff.cap``), which bounds that wait."""

    async def retry(stream: faust.StreamT[Any]) -> None:
        async for key, value in stream.items():
            try:
                message, wait = parse_retry_record(value, datetime.now(UTC))
            except ValueError as error:
                await sinks.reject("retry", key, f"not a retry record: {error}", None)
                continue
            try:
                if wait > 0:
                    await asyncio.sleep(wait)
                await sinks.pair_changes.send(key=key, value=encode_message(message))
            except Exception as error:  # the retry agent must go on
                await _survived(sinks, "retry", key, error, value)

    app.agent(sinks.retry, name="retry")(retry)


# --- schedules ----------------------------------------------------------------------------


def needs_another_look(pair: PairState) -> bool:
    """What the periodic retry picks up: failures (also permanent ones: a screen or a
    permission may have been fixed since), unconfirmed creates, writes and comment changes
    not recorded as done, unreachable statuses, pairs with an issue answering 404."""
    if pair.failure is not None or pair.pending_create is not None:
        return True
    if pair.pending_writes or pair.pending_comments or pair.status is PairStatus.UNREACHABLE:
        return True
    return any(warning.code == "status-unreachable" for warning in pair.warnings)


def _schedules(app: faust.App, settings: Settings, sinks: Sinks, pairs: Any, commands: Any) -> None:
    """Every worker sweeps the pairs of its own partitions; the daily full sync is sent by
    the worker that holds partition 0 of the command topic (so once per group)."""

    async def retry_failed() -> None:
        due = [key for key, raw in pairs.items() if needs_another_look(PairState.from_bytes(raw))]
        message = encode_message(Reexamine("scheduled retry"))
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


# --- operator commands ------------------------------------------------------------------


def _commands_agent(app: faust.App, runtime: Runtime, source: Any, sinks: Sinks) -> None:
    """Manual sync -> a snapshot of the issue on its site's events topic (the same path as
    webhooks); resolve -> a ``Resolve`` message for the pair."""

    async def commands(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            message = event.message
            command_id = f"{message.topic}:{message.partition}:{message.offset}"
            raw = event.value
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            try:
                command = parse_command(raw, command_id, datetime.now(UTC))
                await _carry_out(runtime, sinks, command_id, command)
            except CommandError as error:
                await sinks.reject("commands", event.key, error.reason, text)
            except JiraError as error:
                await sinks.reject("commands", event.key, str(error), text)
            except Exception as error:  # a bad command or answer must not stop the others
                await _survived(sinks, "commands", event.key, error, text)

    app.agent(source, name="commands")(commands)


async def _carry_out(runtime: Runtime, sinks: Sinks, command_id: str, command: object) -> None:
    applier = await runtime.get()
    if isinstance(command, ManualSync):
        site = command.source_instance
        try:
            issue = await applier.clients[site].get_issue(
                command.issue_key, fields=applier.read_fields(site)
            )
        except NotFound:
            raise CommandError(f"{command.issue_key} does not exist on site {site}") from None
        await _feed(sinks, site, issue, f"manual:{command_id}")
        log.info("manual sync", extra={"issue": command.issue_key, "site": site})
        return
    if isinstance(command, ResolveConflict):
        pair_id = await _pair_of(applier, command.sync_id)
        winner: SiteNumber = 1 if command.resolution_direction == "jira_1_to_2" else 2
        resolve = Resolve(winner=winner, sync_id=command.sync_id)
        await sinks.pair_changes.send(key=pair_id.encode(), value=encode_message(resolve))
        return
    if isinstance(command, FullResync):
        sites = SITES if command.source_instance is None else (command.source_instance,)
        for site in sites:
            count = await full_snapshot(applier, runtime.config, site, sinks, command_id)
            log.info("full resync of site %d: %d issues fed", site, count)
        return
    raise CommandError(f"{type(command).__name__} is not carried out by this worker")


async def full_snapshot(
    applier: Applier, config: SyncConfig, site: SiteNumber, sinks: Sinks, run_id: str
) -> int:
    """Every issue of the site's project, as snapshot events through the same path as
    webhooks: missing counterparts get made, drifted pairs get merged, pairs in sync cost
    reads only."""
    project = config.project_keys[site]
    jql = f'project = "{project}" ORDER BY id ASC'
    count = 0
    async for issue in applier.clients[site].search(jql, fields=applier.read_fields(site)):
        await _feed(sinks, site, issue, resync_event_id(run_id, site, issue.id))
        count += 1
    return count


async def _feed(sinks: Sinks, site: SiteNumber, issue: Issue, snapshot_id: str) -> None:
    """An issue read through REST onto its site's events topic, as a snapshot event."""
    key = issue.key or issue.id
    envelope = snapshot_envelope(site, issue.id, key, issue.fields, snapshot_id, datetime.now(UTC))
    await sinks.events[site].send(key=issue.id.encode(), value=envelope.to_bytes())


async def _pair_of(applier: Applier, sync_id: str) -> str:
    """The pair id behind an operator's ``KEY1#KEY2``: the counterpart carries the marker,
    which names the other issue's pair (a marker copied onto the origin names another)."""
    keys = dict(zip(SITES, sync_id.split("#"), strict=True))
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


async def _ask_notifications(client: JiraClient, site: int, project_key: str | None) -> None:
    """Whether the sync's edits on ``site`` can skip JIRA's notification emails (asked once
    at start; ``notifyUsers=false`` needs site or project admin). Unknown: the client tries
    the flag and falls back without it on JIRA's 403, so a site that does not answer now
    does not hold up the start for the client's whole retry budget."""
    if project_key is None:
        return
    try:
        quiet = await asyncio.wait_for(client.may_discard_notifications(project_key), 10.0)
    except (JiraError, TimeoutError) as error:
        log.warning("notification rights unknown", extra={"site": site, "error": repr(error)})
        return
    if not quiet:
        log.warning(
            "the sync account is neither site nor project admin: its edits notify watchers",
            extra={"site": site, "project": project_key},
        )
