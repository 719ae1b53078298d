"""``jira-sync dead-letters``' Kafka side: reading the dead-letter and marker topics, and
the redrive itself (the decisions are ``streams.dead_letter_plan``'s).

A redrive is one transactional producer with a fixed transactional id per deployment.
Starting it fences any other redrive (Kafka aborts that one's open transaction and refuses
its further writes), so two operators at once never both re-drive: the later one wins, the
earlier stops. Each letter is re-driven in its own transaction holding its ``redriven``
marker and the record: both are on Kafka or neither is committed. A crash or a fence in the
middle leaves at most the letter of that transaction in doubt (the worker reads uncommitted
records, so an aborted record may have reached it): the next redrive, once it holds the
transactional id (nobody else can write any more), looks for that record and settles it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import IllegalOperation, KafkaError
from aiokafka.structs import ConsumerRecord

from streams import dead_letter_plan as plans
from streams.dead_letters import DeadLetter, read_letter, redriven_shape
from streams.kafka_admin import ensure_topics
from streams.kafka_reach import started
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options
from streams.settings import Settings
from streams.topics import Topics

START_WAIT = 30.0  # seconds to connect before the cause is looked for


async def read_topic(
    servers: str,
    topic: str,
    committed: bool = False,
    starts: dict[int, int] | None = None,
    security: KafkaSecurity = PLAINTEXT,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` up to its end now (of the partitions and from the offsets
    in ``starts`` when given); ``committed``: only those of committed transactions."""
    isolation = "read_committed" if committed else "read_uncommitted"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        isolation_level=isolation,
        auto_offset_reset="earliest",  # offset 0 gone with retention: from the first kept
        **client_options(security),
    )
    await started(consumer, servers, security, START_WAIT)
    try:
        if starts is None:
            starts = dict.fromkeys(await partitions_of(servers, topic, security), 0)
        places = [TopicPartition(topic, partition) for partition in sorted(starts)]
        if not places:
            return []
        consumer.assign(places)
        ends = await consumer.end_offsets(places)
        for place in places:
            consumer.seek(place, starts[place.partition])
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [place for place in places if await consumer.position(place) < ends[place]]:
            batch = await consumer.getmany(*places, timeout_ms=1000)
            records += [record for part in batch.values() for record in part]
        return [r for r in records if r.offset < ends[TopicPartition(topic, r.partition)]]
    finally:
        await consumer.stop()


async def partitions_of(servers: str, topic: str, security: KafkaSecurity = PLAINTEXT) -> list[int]:
    """The topic's partitions; none when it does not exist (all topics are described:
    asking for one by name may auto-create it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, **client_options(security))
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    found = [entry for entry in described if entry["topic"] == topic]
    return sorted(int(part["partition"]) for entry in found for part in entry["partitions"])


async def read_letters(settings: Settings) -> list[DeadLetter]:
    topic = Topics(settings.kafka_topic_prefix).dead_letter
    security = settings.kafka_security()
    records = await read_topic(settings.kafka_bootstrap_servers, topic, security=security)
    letters = [read_letter(record.partition, record.offset, record.value) for record in records]
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


async def read_markers(settings: Settings) -> list[plans.Marker]:
    """The markers in log order, each with whether its transaction committed (read once
    committed only, once all: what only the second has was aborted, or is still open)."""
    servers = settings.kafka_bootstrap_servers
    topic = Topics(settings.kafka_topic_prefix).dead_letter_redriven
    security = settings.kafka_security()
    every = await read_topic(servers, topic, security=security)
    kept = {
        (r.partition, r.offset)
        for r in await read_topic(servers, topic, committed=True, security=security)
    }
    markers = [
        plans.Marker.from_bytes(r.value, (r.partition, r.offset) in kept)
        for r in sorted(every, key=lambda r: (r.partition, r.offset))
    ]
    return [marker for marker in markers if marker is not None]


async def ends_of(
    servers: str, topic: str, partition: int, security: KafkaSecurity = PLAINTEXT
) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        place = TopicPartition(topic, partition)
        return int((await consumer.end_offsets([place]))[place])
    finally:
        await consumer.stop()


async def was_delivered(
    servers: str, doubt: plans.Marker, security: KafkaSecurity = PLAINTEXT
) -> bool:
    """Whether the record of an aborted ``redriven`` marker is on its topic (uncommitted)."""
    mark = (plans.REDRIVE_OF, doubt.letter.encode())
    starts = {doubt.partition: doubt.from_offset}
    records = await read_topic(servers, doubt.topic, starts=starts, security=security)
    return any(mark in (record.headers or ()) for record in records)


class Fenced(Exception):
    """Another redrive started (or Kafka failed): this one stopped."""


@dataclass
class Outcome:
    steps: list[plans.Step] = field(default_factory=list)
    settled: list[tuple[str, bool]] = field(default_factory=list)  # letter id, record found
    done: list[str] = field(default_factory=list)  # letters re-driven by this run
    stopped: str | None = None


def transactional_id(settings: Settings) -> str:
    return f"{settings.kafka_topic_prefix}.dead-letter-redrive"


async def redrive(
    settings: Settings,
    choose: Callable[[Sequence[DeadLetter]], list[DeadLetter]],
    dry_run: bool = False,
) -> Outcome:
    """Re-drives the letters ``choose`` picks that were not re-driven yet."""
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    await ensure_topics(servers, [redriven_shape(settings)], 30.0, security)
    if dry_run:  # without the transactional id: a look must not fence a real redrive
        known, _ = plans.states(await read_markers(settings))
        return Outcome(steps=plans.plan(choose(await read_letters(settings)), known))
    producer = AIOKafkaProducer(
        bootstrap_servers=servers,
        transactional_id=transactional_id(settings),
        acks="all",
        **client_options(security),
    )
    await producer.start()  # fences any other redrive; its open transaction is aborted
    outcome = Outcome()
    try:
        _, doubts = plans.states(await read_markers(settings))
        for doubt in doubts.values():
            found = await was_delivered(servers, doubt, security)
            await _commit(producer, settings, [plans.settled(doubt, found, _now())])
            outcome.settled.append((doubt.letter, found))
        known, _ = plans.states(await read_markers(settings))
        outcome.steps = plans.plan(choose(await read_letters(settings)), known)
        for step in outcome.steps:
            if step.redrive:
                await _redrive_one(producer, settings, step.letter)
                outcome.done.append(step.letter.id)
    except (KafkaError, IllegalOperation) as error:
        # A fence shows as ProducerFenced, or, when it lands between two sends of one
        # transaction, as aiokafka's IllegalOperation ("not in transaction"): both stop.
        outcome.stopped = f"stopped: another redrive took over, or Kafka failed: {error!r}"
    finally:
        await producer.stop()
    return outcome


async def _commit(
    producer: AIOKafkaProducer, settings: Settings, markers: list[plans.Marker]
) -> None:
    topic = Topics(settings.kafka_topic_prefix).dead_letter_redriven
    async with producer.transaction():
        for marker in markers:
            await producer.send(topic, key=marker.letter.encode(), value=marker.to_bytes())


async def _redrive_one(producer: AIOKafkaProducer, settings: Settings, letter: DeadLetter) -> None:
    """The letter's record back on its topic and partition, with its marker, in one
    transaction (the marker first: an aborted one says where to look for the record)."""
    original = letter.original
    if original is None:  # the plan re-drives only letters with their record
        raise ValueError(f"{letter.id}: {letter.why_not}")
    start = await ends_of(
        settings.kafka_bootstrap_servers,
        original.topic,
        original.partition,
        settings.kafka_security(),
    )
    marker = plans.redriven(letter, original, start, _now())
    topics = Topics(settings.kafka_topic_prefix)
    async with producer.transaction():
        await producer.send(
            topics.dead_letter_redriven, key=letter.id.encode(), value=marker.to_bytes()
        )
        await producer.send(
            original.topic,
            key=original.key,
            value=plans.as_sent(original, letter, topics.pair_changes),
            partition=original.partition,
            headers=plans.redrive_headers(original, letter),
        )


def _now() -> datetime:
    return datetime.now(UTC)
