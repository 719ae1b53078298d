"""``jira-sync dead-letters`` against the real broker: letters listed by reason, re-driven
to their source topics each once, a second redrive (and two at once) re-driving nothing,
an older letter listed but not re-driven, and a redrive that crashed midway settled
without losing or doubling its record."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner

from jira_sync.cli import main
from streams import dead_letter_plan as plans
from streams import dead_letter_redrive as kafka
from streams.dead_letter_redrive import read_topic
from streams.dead_letters import DeadLetter, Original, letter, redriven_shape
from streams.kafka_admin import TopicShape, ensure_topics
from streams.settings import Settings
from streams.topics import Topics

pytestmark = pytest.mark.integration
BODY = b'{"webhookEvent": "jira:issue_updated", "issue": {"id": 7}}'
STAMP = [("jira-sync.format", b"raw-1"), ("jira-sync.site", b"1"), ("bin", b"\xff\x00")]


def settings_for(kafka_bootstrap: str, prefix: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, kafka_bootstrap_servers=kafka_bootstrap, kafka_topic_prefix=prefix
    )


async def prepare(settings: Settings) -> Topics:
    topics = Topics(settings.kafka_topic_prefix)
    names = [topics.dead_letter, topics.events(1), topics.pair_changes, topics.commands]
    shapes = [TopicShape(name, 2, 1) for name in names]
    await ensure_topics(settings.kafka_bootstrap_servers, [*shapes, redriven_shape(settings)], 30)
    return topics


async def put_letters(settings: Settings, letters: Sequence[tuple[str, Original | None]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        topic = Topics(settings.kafka_topic_prefix).dead_letter
        for n, (reason, original) in enumerate(letters):
            source = original.topic if original else "events-1"
            value = letter(reason, source, b"k", None, datetime.now(UTC), original)
            await producer.send_and_wait(topic, value=value, partition=n % 2)
    finally:
        await producer.stop()


def arrivals(settings: Settings, topic: str) -> list[tuple[bytes | None, list[tuple[str, bytes]]]]:
    records = asyncio.run(read_topic(settings.kafka_bootstrap_servers, topic))
    return [(record.value, list(record.headers)) for record in records]


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
    }
    result = CliRunner().invoke(
        main, ["dead-letters", *args, "--env-file", "/nonexistent"], env=env
    )
    return result.exit_code, result.output


def test_list_and_redrive_by_reason_each_record_once(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = settings_for(kafka_bootstrap, unique_name)
    topics = asyncio.run(prepare(settings))
    webhook = Original(topics.events(1), 1, 41, b"10007", BODY, tuple(STAMP))
    pair = Original(topics.pair_changes, 0, 9, b"pair-1", b"\x80binary", ())
    command = Original(topics.commands, 1, 3, b"c", b'{"manual_sync": "P-1"}', ())
    asyncio.run(
        put_letters(
            settings,
            [
                ("webhook w-1: body fails the schema", webhook),
                ("internal error: KeyError: 'x'", pair),
                ("no such issue", command),
                ("webhook w-0: body fails the schema", None),  # an older letter: no record
            ],
        )
    )

    code, out = cli(settings, "list", "--json")
    assert code == 0, out
    listed = {entry["reason"]: entry for entry in json.loads(out)}
    assert len(listed) == 4
    assert listed["no such issue"]["state"] == "waiting"
    assert listed["webhook w-0: body fails the schema"]["state"] == "cannot"
    code, out = cli(settings, "list", "--reason", "SCHEMA")
    assert code == 0, out
    assert "2 dead letter(s), 2 reason(s)" in out
    assert "(no record kept)" in out

    code, out = cli(settings, "redrive", "--reason", "schema")
    assert code == 0, out
    assert "1 re-driven, 1 skipped" in out
    assert "cannot: written before" in out
    ((value, headers),) = arrivals(settings, topics.events(1))
    assert value == BODY  # byte for byte: its signature still verifies
    assert headers == [*STAMP, (plans.REDRIVE_OF, b"0:0")]  # the letter's place
    assert arrivals(settings, topics.commands) == []

    code, out = cli(settings, "redrive", "--reason", "")
    assert code == 0, out
    assert "2 re-driven, 2 skipped" in out
    assert "already re-driven" in out
    assert [v for v, _ in arrivals(settings, topics.pair_changes)] == [b"\x80binary"]
    assert [v for v, _ in arrivals(settings, topics.commands)] == [command.value]

    code, out = cli(settings, "redrive", "--offset", "1:0", "--offset", "0:1")
    assert code == 0, out
    assert "0 re-driven, 2 skipped" in out
    code, out = cli(settings, "redrive", "--offset", "0")
    assert code == 2
    assert "several partitions" in out
    assert len(arrivals(settings, topics.events(1))) == 1
    code, out = cli(settings, "list", "--json")
    assert sorted(e["state"] for e in json.loads(out)) == ["cannot", *["redriven"] * 3]


def every(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    return list(letters)


def test_two_redrives_at_once_redrive_each_letter_once(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = settings_for(kafka_bootstrap, unique_name)
    topics = asyncio.run(prepare(settings))
    originals = [
        Original(topics.commands, n % 2, n, b"c", f'{{"n": {n}}}'.encode(), ()) for n in range(12)
    ]
    asyncio.run(put_letters(settings, [("bad", original) for original in originals]))

    async def both() -> list[kafka.Outcome]:
        return list(await asyncio.gather(*(kafka.redrive(settings, every) for _ in range(2))))

    outcomes = asyncio.run(both())
    assert sum(len(outcome.done) for outcome in outcomes) <= 12
    again = asyncio.run(kafka.redrive(settings, every))  # whatever a fenced one left
    values = sorted(v or b"" for v, _ in arrivals(settings, topics.commands))
    assert values == sorted(original.value or b"" for original in originals)
    assert again.stopped is None
    found = sum(settled for _, settled in again.settled)  # a fenced one's, reached the topic
    assert sum(len(outcome.done) for outcome in outcomes) + len(again.done) + found == 12
    assert [outcome.stopped is None for outcome in outcomes].count(True) >= 1
    assert asyncio.run(kafka.redrive(settings, every)).done == []


def test_a_redrive_fenced_between_two_sends_stops_and_the_next_finishes(
    kafka_bootstrap: str, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another redrive taking the transactional id between the marker's send and the
    record's (CI saw aiokafka's IllegalOperation there): this one stops with a reason,
    never an exception, and the next re-drives each letter once."""
    settings = settings_for(kafka_bootstrap, unique_name)
    topics = asyncio.run(prepare(settings))
    originals = [
        Original(topics.commands, 0, n, b"c", f'{{"n": {n}}}'.encode(), ()) for n in range(3)
    ]
    asyncio.run(put_letters(settings, [("bad", original) for original in originals]))
    fences: list[str] = []

    class FencedAfterFirstSend(AIOKafkaProducer):
        async def send(self, topic: str, *args: object, **kwargs: object) -> object:
            if (
                fences
                or topic != topics.dead_letter_redriven
                or not self._txn_manager.is_in_transaction()
            ):
                return await super().send(topic, *args, **kwargs)
            fences.append(topic)
            other = AIOKafkaProducer(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                transactional_id=kafka.transactional_id(settings),
            )
            await other.start()  # the fence, before this send reaches the broker
            sent = await super().send(topic, *args, **kwargs)
            for _ in range(200):  # the broker refuses the fenced producer's partitions
                if not self._txn_manager.is_in_transaction():
                    break
                await asyncio.sleep(0.05)
            await other.stop()
            return sent

    monkeypatch.setattr(kafka, "AIOKafkaProducer", FencedAfterFirstSend)
    fenced = asyncio.run(kafka.redrive(settings, every))
    assert fences, "the redrive never reached a letter's transaction"
    assert fenced.stopped is not None
    assert fenced.done == []
    monkeypatch.setattr(kafka, "AIOKafkaProducer", AIOKafkaProducer)
    again = asyncio.run(kafka.redrive(settings, every))
    assert again.stopped is None
    values = sorted(v or b"" for v, _ in arrivals(settings, topics.commands))
    assert values == sorted(original.value or b"" for original in originals)


async def crash_midway(settings: Settings, letter_id: str, original: Original, send: bool) -> None:
    """What a redrive that died inside its transaction leaves: the marker, and (``send``)
    the record, in a transaction never committed."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        transactional_id=kafka.transactional_id(settings),
    )
    await producer.start()
    await producer.begin_transaction()
    at = await kafka.ends_of(settings.kafka_bootstrap_servers, original.topic, original.partition)
    marker = plans.Marker(letter_id, "redriven", False, original.topic, original.partition, at)
    topic = Topics(settings.kafka_topic_prefix).dead_letter_redriven
    await producer.send_and_wait(topic, key=letter_id.encode(), value=marker.to_bytes())
    if send:
        headers = [(plans.REDRIVE_OF, letter_id.encode())]
        await producer.send_and_wait(
            original.topic, value=original.value, partition=original.partition, headers=headers
        )
    await producer.client.close()  # dies: no commit, no abort


def test_a_redrive_crashed_midway_neither_loses_nor_doubles(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    settings = settings_for(kafka_bootstrap, unique_name)
    topics = asyncio.run(prepare(settings))
    sent = Original(topics.commands, 0, 1, b"c", b'{"sent": 1}', ())
    unsent = Original(topics.commands, 1, 2, b"c", b'{"unsent": 1}', ())
    asyncio.run(put_letters(settings, [("bad", sent), ("bad", unsent)]))  # 0:0 and 1:0
    asyncio.run(crash_midway(settings, "0:0", sent, send=True))
    asyncio.run(crash_midway(settings, "1:0", unsent, send=False))
    _code, out = cli(settings, "list", "--json")
    assert [e["state"] for e in json.loads(out)] == ["in doubt", "in doubt"]

    outcome = asyncio.run(kafka.redrive(settings, every))
    assert sorted(outcome.settled) == [("0:0", True), ("1:0", False)]
    assert outcome.done == ["1:0"]
    values = sorted(v or b"" for v, _ in arrivals(settings, topics.commands))
    assert values == [b'{"sent": 1}', b'{"unsent": 1}']  # the aborted one reached the worker
    assert asyncio.run(kafka.redrive(settings, every)).done == []
