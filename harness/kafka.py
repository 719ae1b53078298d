"""The pipeline's Kafka as the tests look at it (``harness.pipeline.Pipeline`` calls these):
a topic read from its beginning, the worker group's lag and membership, and records sent
the way an operator or a test would send them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from harness.infra import shared_stack_home
from stack.artifacts import KAFKA, ensure_jars
from stack.services import java_binary
from streams.topics import Topics


async def read_topic(kafka: str, topic: str, partitions: int) -> list[tuple[bytes, bytes]]:
    """Every record of ``topic`` from its beginning, as (key, value); none when the topic
    does not exist yet."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            return []  # the worker has not declared it yet
        parts = [TopicPartition(topic, n) for n in range(partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        records: list[tuple[bytes, bytes]] = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for items in batch.values():
                records += [(r.key or b"", r.value or b"") for r in items]
        return records
    finally:
        await consumer.stop()


async def worker_lag(kafka: str, prefix: str, partitions: int) -> dict[str, str]:
    """The partitions the workers' group has not consumed to their end, as
    ``topic[partition]: committed/end`` (topics without the prefix)."""
    topics = Topics(prefix)
    names = [topics.events(1), topics.events(2), topics.pair_changes, topics.retry]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(f"{prefix}.worker")
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka)
    await consumer.start()
    try:
        parts = [TopicPartition(name, n) for name in names for n in range(partitions)]
        ends = await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
    lagging = {}
    for tp in parts:
        done = committed[tp].offset if tp in committed else None
        if done != ends[tp]:
            lagging[f"{tp.topic.removeprefix(prefix + '.')}[{tp.partition}]"] = f"{done}/{ends[tp]}"
    return lagging


async def group_stable(kafka: str, group: str, members: int) -> bool:
    """The consumer group is stable with ``members`` members (partitions dealt)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    except KafkaError:  # no coordinator yet: the group does not exist so far
        return False
    finally:
        await admin.close()
    return any(entry[2] == "Stable" and len(entry[5]) == members for entry in response.groups)


async def send_json(kafka: str, topic: str, body: dict[str, Any], key: str | None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, json.dumps(body).encode(), key=key.encode() if key else None
        )
    finally:
        await producer.stop()


async def console_produce(kafka: str, topic: str, line: str, maven_log: Path) -> None:
    """One record onto ``topic`` through Kafka's own ConsoleProducer (the Kafka jars of the
    local stack), as an operator would send it."""
    lib = ensure_jars(shared_stack_home().cache, KAFKA, maven_log)
    command = [
        java_binary(),
        "-cp",
        f"{lib}/*",
        "kafka.tools.ConsoleProducer",
        "--bootstrap-server",
        kafka,
        "--topic",
        topic,
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(line.encode() + b"\n"), 60)
    assert process.returncode == 0, output.decode(errors="replace")
