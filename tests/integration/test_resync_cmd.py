"""``jira-sync resync``: the progress it folds from Kafka (pure), the command it sends, and
a real run followed to the end against a worker and two emulated sites."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.pipeline import pipeline
from jira_sync.cli import main
from jira_sync.ops.resync_progress import Progress, bar, phase
from streams.commands import FullResync, parse_command
from streams.kafka_admin import ensure_topics
from streams.sync.kafka_io import worker_topics
from tests.infra import isolated_settings
from tests.integration.test_commands_cli import read_commands

COMMANDS = ("p.commands", 0)
EVENTS_1, EVENTS_2 = ("p.jira1.events", 0), ("p.jira2.events", 1)
RUN = "resync:p.commands:0:41:"


def envelope(webhook_id: str) -> bytes:
    return json.dumps({"site": 1, "webhook_id": webhook_id, "payload": {}}).encode()


def started() -> Progress:
    progress = Progress("cmd-1", started=0.0, sent=True)
    progress.on_command(COMMANDS, 40, b'{"command_id": "someone else", "full_resync": true}')
    progress.on_command(COMMANDS, 41, b'{"command_id": "cmd-1", "full_resync": true}')
    progress.on_event(EVENTS_1, 7, envelope(RUN + "10001"))
    progress.on_event(EVENTS_1, 8, envelope("resync:p.commands:0:40:10001"))  # another run
    progress.on_event(EVENTS_2, 3, envelope(RUN + "20001"))
    progress.on_event(EVENTS_2, 4, envelope(RUN + "10001"))  # ids are per site: another issue
    progress.on_event(EVENTS_1, 9, envelope("a-webhook"))
    progress.on_event(EVENTS_1, 10, b"not json")
    return progress


def test_the_run_is_recognised_by_its_command_id_and_position() -> None:
    progress = started()
    assert progress.run == RUN
    assert sorted(progress.ours()) == [
        (EVENTS_1[0], RUN + "10001"),
        (EVENTS_2[0], RUN + "10001"),
        (EVENTS_2[0], RUN + "20001"),
    ]
    assert phase(progress) == "the worker is reading the issues"
    assert bar(progress, width=12) == (
        "[------------] 0/3 snapshots handled; the worker is reading the issues"
    )


def test_handled_follows_the_worker_groups_committed_offsets() -> None:
    progress = started()
    progress.committed = {COMMANDS: 42, EVENTS_1: 8}  # command taken; one snapshot routed
    assert progress.taken
    assert progress.handled() == 1
    assert not progress.all_handled()  # the reader has not caught up yet
    progress.fed_complete = True
    assert phase(progress) == "all issues read; the worker is routing the snapshots"
    assert bar(progress, width=12).startswith("[####--------] 1/3 snapshots handled")
    progress.committed[EVENTS_2] = 4  # offset 3 routed, offset 4 not yet
    assert progress.handled() == 2
    progress.committed[EVENTS_2] = 5
    assert progress.all_handled()
    assert not progress.settled()  # the pair changes they made are not applied yet
    progress.drain_target = {("p.pair-changes", 0): 12}
    progress.committed[("p.pair-changes", 0)] = 11
    assert phase(progress) == "applying the merges and writes they asked for"
    progress.committed[("p.pair-changes", 0)] = 12
    assert progress.settled()
    assert phase(progress) == "done"
    assert bar(progress, width=12).startswith("[############] 3/3")


def test_pair_states_and_dead_letters_are_counted_for_the_run() -> None:
    progress = started()
    state = {"pair_id": "1:10001", "recent_webhook_ids": ["x", RUN + "10001"]}
    progress.on_state(json.dumps(state).encode())
    progress.on_state(json.dumps(state | {"version": 2}).encode())  # the same, again
    other = {"pair_id": "2:10001", "recent_webhook_ids": [RUN + "10001"]}
    progress.on_state(json.dumps(other).encode())
    dead = {"reason": "internal error", "source": "pair-changes", "value": {"id": RUN + "20001"}}
    progress.on_dead_letter(json.dumps(dead).encode())
    progress.committed = {COMMANDS: 42, EVENTS_1: 8, EVENTS_2: 5}
    summary = progress.summary(now=3.0)
    assert summary == (
        "3 issue(s) read (site 1: 1, site 2: 2), 3 handled, 2 recorded in pair states, "
        "1 dead-lettered, in 3.0 s"
    )


def test_a_refused_command_is_reported() -> None:
    progress = started()
    refusal = {"reason": "JIRA said no", "source": "commands", "value": '{"command_id": "cmd-1"}'}
    progress.on_dead_letter(json.dumps(refusal).encode())
    assert progress.refused == "JIRA said no"
    assert phase(progress) == "the worker refused the command: JIRA said no"


def test_no_worker_yet() -> None:
    progress = Progress("cmd-1", 0.0)
    assert phase(progress) == "sending the command"
    progress.sent = True
    assert phase(progress).startswith("waiting for a worker to take the command")
    progress.on_command(COMMANDS, 41, b'{"command_id": "cmd-1"}')
    assert phase(progress).startswith("waiting for a worker to take the command")


# --- against Kafka -------------------------------------------------------------------


def cli(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["resync", *args, "--env-file", "/nonexistent/.env"], env=env)


@pytest.mark.integration
def test_no_wait_puts_the_full_resync_on_the_command_topic(
    kafka_bootstrap: str, unique_name: str
) -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": unique_name}
    both = cli(env, "--no-wait")
    assert both.exit_code == 0, both.output
    assert "sent full_resync full-resync (" in both.output
    one = cli(env, "--no-wait", "--site", "2")
    assert one.exit_code == 0, one.output

    records = asyncio.run(read_commands(kafka_bootstrap, unique_name, 2))
    (key1, value1), (key2, value2) = records
    assert (key1, key2) == (b"full-resync", b"full-resync")
    first = parse_command(value1, "x", datetime.now(UTC))
    assert isinstance(first, FullResync)
    assert first.source_instance is None
    assert json.loads(value1)["full_resync"] is True
    assert json.loads(value2)["source_instance"] == 2


@pytest.mark.integration
def test_waiting_needs_the_workers_topics(kafka_bootstrap: str, unique_name: str) -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": unique_name}
    result = cli(env)
    assert result.exit_code == 1
    assert f"{unique_name}.commands" in result.output
    assert "start `jira-sync worker` first" in result.output


@pytest.mark.integration
def test_waiting_without_a_worker_gives_up_and_says_why(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = isolated_settings(
        kafka_bootstrap_servers=kafka_bootstrap, kafka_topic_prefix=unique_name
    )
    asyncio.run(ensure_topics(kafka_bootstrap, worker_topics(settings), 30.0))
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": unique_name}
    result = cli(env, "--timeout", "3")
    assert result.exit_code == 1
    assert (
        "gave up waiting after 3 s while waiting for a worker to take the command" in result.output
    )
    assert "0 issue(s) read" in result.output


@pytest.mark.integration
async def test_a_resync_is_followed_until_settled(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        await p.eventually(lambda: p.group_ready(1), within=120)
        for site in p.sites.values():
            site.emulator.set_webhook(None)  # an outage: the sync never heard of these
        made = {1: [await p.create(1, f"Missed on 1 ({n})") for n in range(3)]}
        made[2] = [await p.create(2, "Missed on 2")]
        await asyncio.sleep(p.sites[1].emulator.faults.search_lag + 0.5)  # JIRA's index lag

        result = await asyncio.to_thread(cli, p.env, "--timeout", "240")
        assert result.exit_code == 0, result.output
        summary = result.stdout.strip().splitlines()[-1]
        found = re.match(
            r"full resync settled: (\d+) issue\(s\) read \(site 1: 3, site 2: (\d+)\), "
            r"(\d+) handled, (\d+) recorded in pair states, 0 dead-lettered",
            summary,
        )
        assert found, summary
        read, site2, handled, recorded = map(int, found.groups())
        # site 2 is read after site 1: it may already hold some of the new counterparts
        assert 1 <= site2 <= 4
        assert read == handled == 3 + site2
        assert 4 <= recorded <= read
        assert "snapshots handled" in result.stderr  # the bar
        # settled means the counterparts exist already, with no further waiting
        assert all(p.twin(2, key) is not None for key in made[1])
        assert p.twin(1, made[2][0]) is not None
