"""A real Faust worker process consumes one topic and produces to another."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.sync.kafka_io import producer_state

pytestmark = pytest.mark.integration
APPS = Path(__file__).parent / "apps"


async def test_worker_relays_records_between_topics(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    source, sink = f"{unique_name}-in", f"{unique_name}-out"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "RELAY_APP_ID": unique_name,
        "RELAY_SOURCE": source,
        "RELAY_SINK": sink,
        "PYTHONPATH": str(APPS),
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(  # noqa: ASYNC220 - a real worker process is the point
        [
            sys.executable,
            "-m",
            "faust",
            "-A",
            "relay_app",
            "--datadir",
            str(tmp_path),
            "worker",
            "--loglevel",
            "info",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await _produce(kafka_bootstrap, source, [(b"PROJ1-1", {"n": 1}), (b"PROJ1-2", {"n": 2})])
        relayed = await _consume(kafka_bootstrap, sink, expected=2, worker=worker)
    finally:
        worker.send_signal(signal.SIGTERM)
        exit_code = worker.wait(timeout=60)
        log.close()
    output = (tmp_path / "worker.log").read_text(errors="replace")
    assert relayed == {
        b"PROJ1-1": {"relayed": {"n": 1}, "by": unique_name},
        b"PROJ1-2": {"relayed": {"n": 2}, "by": unique_name},
    }, output[-3000:]
    assert exit_code == 0, output[-3000:]


async def _produce(bootstrap: str, topic: str, records: list[tuple[bytes, dict[str, int]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, key=key, value=json.dumps(value).encode())
    finally:
        await producer.stop()


async def _consume(
    bootstrap: str, topic: str, expected: int, worker: subprocess.Popen[bytes]
) -> dict[bytes, object]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    seen: dict[bytes, object] = {}
    try:
        async with asyncio.timeout(90):
            while len(seen) < expected and worker.poll() is None:
                batch = await consumer.getmany(timeout_ms=1000)
                for records in batch.values():
                    seen.update({record.key: json.loads(record.value) for record in records})
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return seen


async def test_the_report_reads_a_real_producer(kafka_bootstrap: str, unique_name: str) -> None:
    """The report reads aiokafka's internals: checked against the installed version."""
    app = faust.App(unique_name, broker=f"kafka://{kafka_bootstrap}", store="memory://")
    await app.producer.start()
    try:
        await app.producer.send_and_wait(unique_name, b"k", b"v", None, None, None)
        state = producer_state(app)
    finally:
        await app.producer.stop()
    assert state["faust_buffer"] == 0
    assert state["sender_done"] is False
    assert state["batches"] == {}
    assert state["pending_batches"] == []
    assert state["in_flight"] == []
    assert state["connections"]
