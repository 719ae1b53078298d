"""``jira-sync replay --events``: the worker's tables and the sync-state topic, from the log.

Reads the journal topic from its beginning, outside any consumer group (nothing is
committed, the workers' group is untouched), or a journal exported to a file, folds its
events (``streams.sync.replay``),
then compares the result with what the log holds now: the sync-state topic and the
changelog topics of the worker's tables (``pairs``, ``links-1``, ``links-2``; Faust keeps
raw bytes there for these tables). Records that are missing or differ are written back
(``write``): with the workers stopped, they recover the rebuilt tables at their next start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from projections.kafka import KafkaOptions, partitions_of
from projections.replay import StateLog
from streams.kafka_admin import TopicShape, ensure_topics
from streams.kafka_reach import started
from streams.kafka_security import client_options
from streams.settings import Settings
from streams.sync.kafka_io import worker_group
from streams.sync.replay import JournalFold, Rebuilt
from streams.topics import Topics


@dataclass
class Comparison:
    """Per topic: records the rebuilt tables have that the log lacks or holds otherwise."""

    rebuilt: Rebuilt
    differ: dict[str, dict[bytes, bytes]] = field(default_factory=dict)
    compared: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.rebuilt.diverged and not self.rebuilt.incomplete


def changelog(settings: Settings, table: str) -> str:
    return f"{worker_group(settings)}-{table}-changelog"


def _options(settings: Settings, topic: str) -> KafkaOptions:
    return KafkaOptions(
        settings.kafka_bootstrap_servers, topic, group="", security=settings.kafka_security()
    )


def decoded(value: bytes | str | None) -> dict[str, Any] | None:
    """A journal record's JSON object, or None when it is not one."""
    try:
        raw = json.loads(value or b"")
    except ValueError:
        return None
    return raw if isinstance(raw, dict) else None


def file_records(path: Path) -> Iterator[dict[str, Any] | None]:
    """A journal exported to a file, one record's value per line (as
    ``kafka-console-consumer.sh --topic <prefix>.journal --from-beginning`` prints them)."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield decoded(line)


async def read_journal(
    settings: Settings,
    take: Callable[[dict[str, Any]], object],
    progress: Callable[[int], None] = lambda advanced: None,
    on_total: Callable[[int], None] = lambda total: None,
) -> int:
    """Every journal record from the topic's beginning, in log order per partition, given
    to ``take``; returns how many were not JSON objects. ``on_total`` learns how many
    offsets it spans and ``progress`` how many each batch advanced."""
    unreadable = 0
    async with StateLog(_options(settings, Topics(settings.kafka_topic_prefix).journal)) as log:
        on_total(log.total)
        async for batch, advanced in log.batches():
            for record in batch:
                raw = decoded(record.value)
                if raw is None:
                    unreadable += 1
                else:
                    take(raw)
            progress(advanced)
    return unreadable


async def fold_journal(
    settings: Settings,
    progress: Callable[[int], None] = lambda advanced: None,
    on_total: Callable[[int], None] = lambda total: None,
) -> Rebuilt:
    """The tables rebuilt from the journal topic by folding its events."""
    fold = JournalFold()
    fold.rebuilt.unreadable += await read_journal(settings, fold.take, progress, on_total)
    return fold.rebuilt


def fold_file(path: Path) -> Rebuilt:
    """The tables rebuilt from a journal exported to a file (``file_records``)."""
    fold = JournalFold()
    for raw in file_records(path):
        if raw is None:
            fold.rebuilt.unreadable += 1
        else:
            fold.take(raw)
    return fold.rebuilt


async def latest(settings: Settings, topic: str) -> dict[bytes, bytes]:
    """The last value of every key of a topic (a key whose last record is a tombstone is
    absent); an absent topic is empty."""
    options = _options(settings, topic)
    if not await partitions_of(options):
        return {}
    values: dict[bytes, bytes] = {}
    async with StateLog(options) as log:
        async for batch, _ in log.batches():
            for record in batch:
                if record.key is None:
                    continue
                if record.value is None:
                    values.pop(record.key, None)
                else:
                    values[record.key] = record.value
    return values


def expected(settings: Settings, rebuilt: Rebuilt) -> dict[str, dict[bytes, bytes]]:
    """Topic -> key -> value, as the rebuilt tables say they should end."""
    pairs = {pair.encode(): state.to_bytes() for pair, state in rebuilt.pairs.items()}
    wanted = {
        Topics(settings.kafka_topic_prefix).sync_state: pairs,
        changelog(settings, "pairs"): pairs,
    }
    for site, links in rebuilt.links.items():
        wanted[changelog(settings, f"links-{site}")] = {
            issue.encode(): pair.encode() for issue, pair in links.items()
        }
    return wanted


async def compare(settings: Settings, rebuilt: Rebuilt) -> Comparison:
    comparison = Comparison(rebuilt)
    for topic, wanted in expected(settings, rebuilt).items():
        have = await latest(settings, topic)
        comparison.compared[topic] = len(wanted)
        comparison.differ[topic] = {k: v for k, v in wanted.items() if have.get(k) != v}
    return comparison


async def write_back(settings: Settings, comparison: Comparison) -> int:
    """Write what differs. The default partitioner puts each key where the worker put it
    (it keyed the same records the same way, on topics of the same partition count)."""
    shape = (settings.kafka_partitions, settings.kafka_replication_factor)
    compacted = {"cleanup.policy": "compact"}
    topics = [TopicShape(topic, *shape, compacted) for topic in comparison.differ]
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    await ensure_topics(servers, topics, 30.0, security)
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, acks="all", enable_idempotence=True, **client_options(security)
    )
    await started(producer, servers, security, 30.0)
    written = 0
    try:
        for topic, records in comparison.differ.items():
            for key, value in records.items():
                await producer.send(topic, key=key, value=value)
                written += 1
        await producer.flush()
    finally:
        await producer.stop()
    return written
