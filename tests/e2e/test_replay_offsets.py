"""Replay the way operators do it, with Kafka's own tool: the workers stopped, the worker
group's offsets on both events topics reset to the earliest with ``kafka-consumer-groups``
(kafka-tools' ``ConsumerGroupCommand``, from the local stack's jars), the workers started
again. Every webhook since the first is handled a second time, and nothing may come of it:
no JIRA write, no duplicate, both sites and the pair table as they were (issue #18)."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, fields_of, pipeline
from jira_sync.ops.replay_events import latest
from stack.artifacts import KAFKA, ensure_jars
from stack.services import java_binary
from streams.sync.kafka_io import worker_group
from streams.topics import Topics
from tests.e2e.test_replay import some_history, worker_settings
from tests.infra import shared_stack_home

pytestmark = pytest.mark.integration


async def reset_to_earliest(p: Pipeline, group: str, topics: list[str]) -> str:
    lib = ensure_jars(shared_stack_home().cache, KAFKA, p.tmp / "maven.log")
    tool = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
    command = [java_binary(), "-cp", f"{lib}/*", tool]
    command += ["--bootstrap-server", p.kafka, "--group", group, "--reset-offsets"]
    command += ["--to-earliest", "--execute"]
    for topic in topics:
        command += ["--topic", topic]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


def sides(p: Pipeline) -> dict[int, dict[str, Any]]:
    """Every issue of both sites: its synced fields and its comments' bodies."""
    return {
        site: {
            key: (fields_of(issue), sorted(str(c.body) for c in issue.comments))
            for key, issue in sorted(p.issues(site).items())
        }
        for site in (1, 2)
    }


async def test_offsets_reset_with_kafkas_tool_replay_without_a_write(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        settings = worker_settings(p)
        one, _ = await some_history(p, "Offsets")
        await p.eventually(
            lambda: (
                (twin := p.twin(2, one)) is not None
                and twin.fields.get("summary") == "Offsets one, edited"
                and len(twin.comments) == 1
            ),
            within=90,
        )
        await p.quiet()
        for worker in p.alive():
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        topics = Topics(unique_name)
        before, writes = sides(p), {site: p.sync_writes(site) for site in (1, 2)}
        pairs = await latest(settings, topics.sync_state)
        assert len(pairs) == 2

        said = await reset_to_earliest(
            p, worker_group(settings), [topics.events(1), topics.events(2)]
        )
        assert topics.events(1) in said
        assert topics.events(2) in said

        worker = p.start_worker()
        # the worker consumed the events again: its log shows pair steps for them
        await p.eventually(lambda: p.steps(worker) >= 6, within=120)
        await p.quiet()
        assert sides(p) == before  # both sites unchanged, no duplicate
        assert {site: p.sync_writes(site) for site in (1, 2)} == writes  # no JIRA write
        after = await latest(settings, topics.sync_state)
        assert {k: json.loads(v) for k, v in after.items()} == {
            k: json.loads(v) for k, v in pairs.items()
        }
