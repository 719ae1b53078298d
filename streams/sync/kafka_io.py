"""The worker's Kafka plumbing: its topics and their shapes, typed sinks over them, sends
made durable (acknowledged by the broker) before a step writes to JIRA, producer flushes,
and what aiokafka holds when a flush is slow. No decisions here (``streams.sync.retrying``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import faust

from streams import dead_letters
from streams.kafka_admin import TopicShape, ensure_topics
from streams.settings import Settings
from streams.sites import SITES, SiteNumber
from streams.state import PairState
from streams.sync import journal
from streams.sync.metrics import METRICS
from streams.sync.retrying import FollowUp
from streams.topics import Topics

log = logging.getLogger(__name__)
PRODUCER_REQUEST_TIMEOUT = 30.0  # seconds; the Java client's request.timeout.ms


class Sink(Protocol):
    """A topic the worker sends raw bytes to (a Faust topic, or a test's fake). Faust's
    ``send`` answers a future the producer resolves once the broker acknowledged it."""

    async def send(self, *, key: bytes | None, value: bytes) -> Any: ...


Table = MutableMapping[bytes, bytes]  # a Faust table of raw bytes, or a dict in a test


class HasProducer(Protocol):
    """What a durable send needs of the app: its producer, to flush."""

    @property
    def producer(self) -> Any: ...


@dataclass(frozen=True)
class Sinks:
    pair_changes: Sink
    sync_state: Sink
    retry: Sink
    dead_letter: Sink
    events: Mapping[SiteNumber, Sink]
    journal: Sink

    async def reject(self, source: str, key: bytes | None, reason: str, value: object) -> None:
        """Nothing is dropped silently: what cannot be done is kept with its reason, and
        with the record the agent was handling (``streams.dead_letters``), to re-drive it."""
        original = original_record(faust.current_event())
        record = dead_letters.letter(reason, source, key, value, datetime.now(UTC), original)
        log.warning("dead-lettered", extra={"source": source, "reason": reason})
        METRICS.dead_letter(source)
        await self.dead_letter.send(key=key, value=record)

    async def survived(
        self, source: str, key: bytes | None, error: Exception, value: object
    ) -> None:
        """An input an agent could not handle: dead-lettered with the error, and the agent
        goes on with the next one."""
        log.exception("%s: record not handled", source, extra={"key": repr(key)})
        shown = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        reason = f"internal error: {type(error).__name__}: {error}"
        await self.reject(source, key, reason, shown)

    async def follow(self, key: bytes, body: object, decided: FollowUp) -> None:
        """Sends what ``streams.sync.retrying.follow_up`` decided: dead letters, the retry."""
        for letter in decided.letters:
            await self.reject(letter.source, key, letter.reason, body)
        if decided.retry is not None:
            await self.retry.send(key=key, value=decided.retry.to_bytes())

    async def publish(
        self, pairs: Table, key: bytes, state: PairState, encoded: bytes | None = None
    ) -> None:
        """The pair's new state in its table and on the sync-state topic (``encoded``: its
        ``to_bytes()`` when the caller has it)."""
        raw = encoded if encoded is not None else state.to_bytes()
        pairs[key] = raw
        await self.sync_state.send(key=key, value=raw)


def original_record(event: Any) -> dead_letters.Original | None:
    """The record behind the Faust event being handled (``faust.current_event()``: each
    agent handles one in its own context, ``streams.sync.agents.keyed_stream``), as read:
    its raw key, value and headers; None outside an event (a timer, a test)."""
    message = getattr(event, "message", None)
    if message is None:
        return None
    return dead_letters.Original(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=dead_letters.headers_of(message.headers),
    )


async def durably(
    app: HasProducer, sinks: Sinks, pairs: Table, key: bytes, state: PairState, delay: float = 1.0
) -> None:
    """The pair's state (table, sync-state, an intent in the journal) on Kafka before the
    step writes to JIRA: written again until the broker has acknowledged it, since a write
    made on a state that is lost would be taken for someone else's after a crash."""
    raw = state.to_bytes()
    intent = journal.intent_record(key.decode(), state, raw)
    while True:
        pairs[key] = raw
        sent = [
            await sinks.sync_state.send(key=key, value=raw),
            await sinks.journal.send(key=key, value=intent),
        ]
        await flushed(app)
        problem = unacknowledged(sent)
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


def unacknowledged(sent: list[Any]) -> str | None:
    """Why one of these sends is not on Kafka after a flush; None when all are."""
    for future in sent:
        if not future.done():
            return "still unsent after the flush"
        if future.cancelled():
            return "cancelled"
        if future.exception() is not None:
            return repr(future.exception())
    return None


async def flushed(app: HasProducer, report_every: float = 15.0) -> None:
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


def producer_state(app: HasProducer) -> dict[str, Any]:
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


# --- topics ------------------------------------------------------------------------------


TABLES = ("pairs", "links-1", "links-2")  # the worker's Faust tables


def worker_topics(settings: Settings) -> list[TopicShape]:
    """The topics the worker produces to without consuming them first, in their shape.

    The tables' changelogs are among them: left to Faust, a changelog is created while the
    worker starts, and a consumer whose metadata does not list it yet fails the first table
    write with ``PartitionsMismatch`` ("... changelog has 0 partitions"), which lost a new
    pair's first event to the dead letter (seen in a CI bench run)."""
    topics = Topics(settings.kafka_topic_prefix)
    size = (settings.kafka_partitions, settings.kafka_replication_factor)
    compacted = {"cleanup.policy": "compact"}
    names = [
        topics.retry,
        topics.pair_changes,
        topics.journal,
        topics.events(1),
        topics.events(2),
        topics.commands,
    ]
    group = worker_group(settings)
    return [
        TopicShape(topics.sync_state, *size, compacted),
        TopicShape(topics.dead_letter, *size, KEPT),
        *(TopicShape(name, *size) for name in names),
        *(TopicShape(f"{group}-{table}-changelog", *size, compacted) for table in TABLES),
    ]


# A dead letter waits for an operator (``jira-sync dead-letters``): it is never deleted by
# the broker's retention (7 days by default), which would drop work nobody has looked at.
KEPT = {"retention.ms": "-1"}


async def prepare_kafka(settings: Settings) -> None:
    """Before the worker starts: its topics exist, in their shape."""
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        worker_topics(settings),
        30.0,
        settings.kafka_security(),
    )


def worker_group(settings: Settings) -> str:
    """The consumer group of all workers of one deployment (Faust's app id)."""
    return f"{settings.kafka_topic_prefix}.worker"


def raw_topic(app: faust.App, name: str, partitions: int, compacting: bool = False) -> faust.TopicT:
    """Declared (created when missing) at start, so no consumer waits for a metadata refresh."""
    return app.topic(
        name,
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
        internal=True,
        compacting=compacting,
    )


@dataclass(frozen=True)
class Declared:
    """The worker's topics on its app: what the agents consume, and the sinks they send to."""

    events: Mapping[SiteNumber, faust.TopicT]
    pair_changes: faust.TopicT
    retry: faust.TopicT
    commands: faust.TopicT
    sinks: Sinks


def declare(app: faust.App, settings: Settings) -> Declared:
    topics, partitions = Topics(settings.kafka_topic_prefix), settings.kafka_partitions
    events = {site: raw_topic(app, topics.events(site), partitions) for site in SITES}
    pair_changes = raw_topic(app, topics.pair_changes, partitions)
    retry = raw_topic(app, topics.retry, partitions)
    sinks = Sinks(
        pair_changes=pair_changes,
        sync_state=raw_topic(app, topics.sync_state, partitions, compacting=True),
        retry=retry,
        dead_letter=raw_topic(app, topics.dead_letter, partitions),
        events=events,
        journal=raw_topic(app, topics.journal, partitions),
    )
    commands = raw_topic(app, topics.commands, partitions)
    return Declared(events, pair_changes, retry, commands, sinks)
