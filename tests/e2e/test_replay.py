"""``jira-sync replay --events``: the worker's tables and the sync-state topic, rebuilt from
the log after real traffic, equal what they were; lost, they come back, and a worker
started on them carries on without a duplicate.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from harness.pipeline import Pipeline, fields_of, pipeline
from jira_sync.ops.replay_events import changelog, latest
from sandbox.config import Faults
from streams.settings import Settings
from streams.topics import Topics
from tests.e2e.test_breadth import comment
from tests.infra import isolated_settings

pytestmark = pytest.mark.integration


def rebuilt_topics(settings: Settings) -> list[str]:
    tables = [changelog(settings, t) for t in ("pairs", "links-1", "links-2")]
    return [Topics(settings.kafka_topic_prefix).sync_state, *tables]


async def snapshot(settings: Settings) -> dict[str, dict[bytes, bytes]]:
    return {topic: await latest(settings, topic) for topic in rebuilt_topics(settings)}


def replay(p: Pipeline) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jira_sync", "replay", "--events", "--yes"]
    command += ["--env-file", str(p.tmp / "none.env")]
    return subprocess.run(command, env=p.env, capture_output=True, text=True, timeout=180)


# A worker that was killed and replaced can hang in Faust's shutdown: after its partitions
# were revoked and given back to it, Faust's ``wait_empty`` waits for pair-changes events
# it had handed over and that were done long before (seen once in CI, every agent idle).
# The likely cause, a partition read again without its revocation reaching the keyed
# scheduler, which failed the agent and left its events unacknowledged, is fixed
# (``streams.sync.keyed``, tests/e2e/test_rebalance_stop.py); not this test's subject, so
# a worker still hanging is killed with a warning, kill -9 being safe once all is durable.
STOP_WITHIN = 60.0


def stop_workers(p: Pipeline) -> None:
    for worker in p.alive():
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            warnings.warn(f"worker {worker.pid} hung on SIGTERM; killed", stacklevel=2)
            p.kill(worker)


async def delete_topics(kafka: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.delete_topics(topics)
        for _ in range(120):
            if not set(topics) & set(await admin.list_topics()):
                return
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
    raise AssertionError(f"{topics} still exist")


def copied(p: Pipeline, summary: str) -> bool:
    """One issue with this summary on each site."""
    return all(
        sum(i.fields.get("summary") == summary for i in p.issues(site).values()) == 1
        for site in (1, 2)
    )


def in_step(p: Pipeline, key: str, summary: str) -> bool:
    twin = p.twin(2, key)
    return twin is not None and twin.fields.get("summary") == summary


def worker_settings(p: Pipeline) -> Settings:
    return isolated_settings(
        kafka_bootstrap_servers=p.kafka, kafka_topic_prefix=p.prefix, kafka_partitions=p.partitions
    )


async def some_history(p: Pipeline, name: str) -> tuple[str, str]:
    """Two synced pairs, one from each site, then an edit, a move and a comment: the keys
    of the first (edited, commented on) and the second (moved)."""
    one = await p.create(1, f"{name} one", labels=["a"])
    two = await p.create(2, f"{name} two", priority={"name": "High"})
    await p.eventually(lambda: p.twin(2, one) is not None and p.twin(1, two) is not None)
    await p.edit(1, one, labels=["a", "b"], summary=f"{name} one, edited")
    await p.transition(2, two, "In Progress")
    await comment(p, 1, one, "noted")
    return one, two


async def test_replay_rebuilds_the_tables_exactly(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        settings = worker_settings(p)
        one, _ = await some_history(p, "Replay")
        three = await p.create(1, "Replay three")
        await p.eventually(lambda: in_step(p, one, "Replay one, edited"), within=90)
        await p.eventually(lambda: p.twin(2, three) is not None, within=90)
        await p.quiet()
        stop_workers(p)
        before = await snapshot(settings)
        pairs = before[Topics(unique_name).sync_state]
        assert len(pairs) == 3
        assert before[changelog(settings, "pairs")] == pairs
        assert sum(len(before[changelog(settings, f"links-{s}")]) for s in (1, 2)) >= 3

        intact = replay(p)
        assert intact.returncode == 0, intact.stdout + intact.stderr
        assert "nothing to write" in intact.stdout, intact.stdout
        assert "diverged" not in intact.stdout

        await delete_topics(kafka_bootstrap, rebuilt_topics(settings))
        lost = replay(p)
        assert lost.returncode == 0, lost.stdout + lost.stderr
        assert await snapshot(settings) == before

        writes = p.sync_writes(2)
        p.start_worker()
        await p.edit(1, one, summary="Replay one, after the replay")
        await p.eventually(lambda: in_step(p, one, "Replay one, after the replay"), within=120)
        await p.quiet()
        assert p.sync_writes(2) == writes + 1  # the edit, written once, on the known twin
        assert len(p.issues(1)) == len(p.issues(2)) == 3
        twin = p.twin(2, one)
        mine = p.find(1, "Replay one, after the replay")
        assert twin is not None
        assert mine is not None
        assert fields_of(twin) == fields_of(mine)


async def test_replay_is_exact_after_kill_9_and_jira_errors(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """Redelivered steps, creates interrupted after their intent, retries after 5xx: the
    journal still folds back to exactly the tables the workers left."""
    faults = {"faults": Faults(seed=3, error_rate=0.1)}
    async with pipeline(
        kafka_bootstrap, unique_name, tmp_path, site_options={1: faults, 2: faults}
    ) as p:
        settings = isolated_settings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=unique_name,
            kafka_partitions=p.partitions,
        )
        for n in range(16):
            p.create_inside(1 + n % 2, f"Chaos {n}")
            if n in (5, 11):
                [worker] = p.alive()
                p.kill(worker)
                p.start_worker()
            await asyncio.sleep(0.3)
        await p.eventually(lambda: all(copied(p, f"Chaos {n}") for n in range(16)), within=180)
        await p.quiet(still=6.0)
        stop_workers(p)
        assert len(p.issues(1)) == len(p.issues(2)) == 16
        assert len(await latest(settings, Topics(unique_name).sync_state)) == 16
        intact = replay(p)
        assert intact.returncode == 0, intact.stdout + intact.stderr
        assert "nothing to write" in intact.stdout, intact.stdout
