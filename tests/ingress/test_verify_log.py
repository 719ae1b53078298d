"""The log is tamper-evident: records read back from a real broker carry what JIRA signed,
byte for byte, and ``jira-sync verify-log`` re-verifies their HMAC from the log alone."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from streams.topics import Topics
from streams.wire import verify_record
from tests.ingress.conftest import SECRET, Client, consume, sample_paths, signed
from tests.ingress.test_cli import environment

pytestmark = pytest.mark.integration


async def verify_log(
    tmp_path: Path, bootstrap: str, topic: str, partition: int, offset: int
) -> tuple[int, str]:
    env = environment(WEBHOOK_SECRET=SECRET, KAFKA_BOOTSTRAP_SERVERS=bootstrap)
    where = ["--topic", topic, "--partition", str(partition), "--offset", str(offset)]
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "jira_sync", "verify-log", *where],
        "--env-file",
        str(tmp_path / "none"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, output.decode()


async def test_records_read_back_from_kafka_are_the_signed_bodies_and_verify(
    client: Client, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    bodies = [path.read_bytes() for path in sample_paths()[:6]]
    for index, body in enumerate(bodies):
        headers = signed(body, identifier=f"v-{index}")
        response = await client.post("/webhook/jira1", data=body, headers=headers)
        assert response.status == 202, await response.text()
    topic = Topics(unique_name).events(1)
    records = await consume(kafka_bootstrap, topic, len(bodies), linger=0.5)
    assert sorted(record.value for record in records) == sorted(bodies)
    for record in records:
        verdict = verify_record(record.value, record.headers, {1: SECRET, 2: SECRET})
        assert verdict.ok, verdict.detail
    first = records[0]
    code, output = await verify_log(tmp_path, kafka_bootstrap, topic, first.partition, first.offset)
    assert code == 0, output
    assert f"{topic}:{first.partition}@{first.offset} (site 1, webhook v-" in output
    assert "verified: signature matches" in output


async def test_a_record_changed_on_the_log_is_caught(
    client: Client, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    body = sample_paths()[0].read_bytes()
    response = await client.post("/webhook/jira1", data=body, headers=signed(body, "x", "t-1"))
    assert response.status == 401
    response = await client.post("/webhook/jira1", data=body, headers=signed(body, SECRET, "t-1"))
    assert response.status == 202
    topic = Topics(unique_name).events(1)
    [original] = await consume(kafka_bootstrap, topic, 1, linger=0)
    changed = original.value.replace(b'"', b"'", 1)[:-1] + original.value[-1:]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        forged = await producer.send_and_wait(
            topic,
            value=changed,
            key=original.key,
            headers=list(original.headers),
            partition=original.partition,
        )
    finally:
        await producer.stop()
    code, output = await verify_log(
        tmp_path, kafka_bootstrap, topic, forged.partition, forged.offset
    )
    assert code == 1, output
    assert "NOT VERIFIED: X-Hub-Signature does not match the body" in output
    code, output = await verify_log(tmp_path, kafka_bootstrap, topic, forged.partition, 10_000)
    assert code == 2, output
