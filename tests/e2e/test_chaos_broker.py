"""The broker goes away under load: webhooks keep coming from both sites while the Kafka
broker is stopped and started again. The ingress answers 503 while it cannot publish,
JIRA's retries deliver later, and nothing is lost, duplicated or acknowledged too early.

The broker is one of this test's own (a dedicated local stack in the test's folder, with
the shared download cache): the session-wide broker of the other tests is never touched.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from harness.humans import Humans
from harness.pipeline import Pipeline, pipeline
from sandbox import WebhookRetry
from stack import MissingToolError, Stack, StackHome, StackState
from streams.records import WebhookEnvelope
from streams.sync.normalize import ROUTE_EVENT
from streams.topics import Topics
from streams.wire import read_stamp
from tests.infra import shared_stack_home

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

ISSUES, RATE, BEFORE, OUTAGE, AFTER = 60, 12.0, 4.0, 12.0, 4.0


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[tuple[Stack, StackState]]:
    """A Kafka (and DynamoDB Local) of this test only, on free ports of 127.0.0.1."""
    stack = Stack(StackHome(cache=shared_stack_home().cache, run=tmp_path / "stack"))
    try:
        state = stack.up(kafka_port=0, dynamodb_port=0)
    except MissingToolError as error:  # no Java: the session's broker is a container
        pytest.skip(f"the broker outage test needs the local stack: {error}")
    try:
        yield stack, state
    finally:
        stack.down()


async def test_broker_stop_and_start_during_ingress_load_loses_nothing(
    own_stack: tuple[Stack, StackState], unique_name: str, tmp_path: Path
) -> None:
    """Changes at 12/s on both sites; the broker is stopped 4 s in for 12 s (plus the time
    it takes to start); the humans go on 4 s after it is back."""
    stack, state = own_stack
    dice = random.Random(11)  # noqa: S311 - reproducible chaos, not secrecy
    # JIRA's retry timing (5 retries, 5-15 min apart) shrunk 20 times: 15-45 s a retry, so
    # the five retries (75 s at the least) outlast the outage as JIRA's do: 12 s plus the
    # broker's restart, which took over 50 s on a loaded machine.
    retry = {"webhook_retry": WebhookRetry.fast(scale=1 / 20)}
    options = {1: retry, 2: retry}
    async with pipeline(
        state.kafka_bootstrap_servers, unique_name, tmp_path, site_options=options
    ) as p:
        await p.eventually(lambda: p.group_ready(1), within=90)
        humans = Humans(p, dice)
        stop = asyncio.Event()

        async def work() -> None:
            n = 0
            while not stop.is_set():
                if n % 3 == 0 and len(humans.made) < ISSUES:
                    await humans.create(1 if n % 2 == 0 else 2)
                else:
                    await humans.change()
                n += 1
                await asyncio.sleep(1 / RATE)

        humming = asyncio.create_task(work())
        loop = asyncio.get_running_loop()
        await asyncio.sleep(BEFORE)
        down = loop.time()
        assert await asyncio.to_thread(stack.stop_service, "kafka")
        await asyncio.sleep(OUTAGE)
        await asyncio.to_thread(stack.start_service, "kafka")
        back = loop.time()
        await asyncio.sleep(AFTER)
        stop.set()
        await humming
        for site in p.sites.values():  # JIRA's retries, the last up to a minute later
            assert await site.emulator.wait_for_webhooks(within=90)
        deliveries = [d for site in p.sites.values() for d in site.emulator.deliveries]
        lost = [d.summary() for d in deliveries if d.state != "delivered"]
        assert not lost, f"{len(lost)} webhooks never delivered, e.g. {lost[0]['attempts']}"
        await humans.synced(within=120)
        synced = loop.time()
        await p.quiet()
        humans.check()
        states = Counter(s["status"] for s in (await p.pair_states()).values())
        assert states == {"synced": len(humans.made)}, states
        assert await p.dead_letters() == []

        refused = [d for d in deliveries if any(a.status != 202 for a in d.attempts)]
        assert refused, "the outage never reached the ingress"
        assert {a.status for d in refused for a in d.attempts} == {503, 202}
        on_the_log = await logged_ids(p)
        accepted = [d.identifier for d in deliveries if any(a.status == 202 for a in d.attempts)]
        assert all(on_the_log[i] for i in accepted), "a 202 for an event not on Kafka"
        assert set(on_the_log.values()) == {1}, "a delivery is on the log more than once"
        print(
            f"{humans.changes} changes, {len(deliveries)} deliveries, {len(refused)} answered "
            f"503 first; broker down {back - down:.1f} s; synced {synced - back:.1f} s after"
        )


async def logged_ids(p: Pipeline) -> Counter[str]:
    """How often each webhook delivery id is on the events topics (in the record's headers:
    the value is the body JIRA signed, ``streams/wire.py``). The worker's own route records
    (a counterpart it made, routed to its pair) are not webhooks and are left out."""
    topics = Topics(p.prefix)
    ids: Counter[str] = Counter()
    for topic in (topics.events(1), topics.events(2), topics.ignored_events):
        records = await topic_records(p, topic)
        ids.update(webhook_id(headers) for headers, value in records if not routed(value))
    return ids


def routed(value: bytes | None) -> bool:
    """Whether a record is the worker's route instruction (``normalize.route_envelope``)."""
    try:
        return WebhookEnvelope.from_bytes(value or b"").event_type == ROUTE_EVENT
    except ValueError:
        return False  # a webhook's body, as the ingress published it


def webhook_id(headers: Sequence[tuple[str, bytes]]) -> str:
    stamp = read_stamp(headers)
    assert stamp is not None, f"a webhook record without the ingress's headers: {headers}"
    return stamp.webhook_id


Record = tuple[Sequence[tuple[str, bytes]], bytes | None]


async def topic_records(p: Pipeline, topic: str) -> list[Record]:
    """The headers and value of every record of ``topic``, from the start to its end now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=p.kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            return []  # nothing was ever published to it
        parts = [TopicPartition(topic, n) for n in range(p.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: list[Record] = []
        while [part for part in parts if await consumer.position(part) < ends[part]]:
            batch = await consumer.getmany(timeout_ms=1000)
            found += [(r.headers, r.value) for records in batch.values() for r in records]
        return found
    finally:
        await consumer.stop()
