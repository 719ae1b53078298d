"""``jira-sync resync``: ask the workers for a full resync (``{"full_resync": true}`` on the
command topic, sent like ``manual-sync`` and ``resolve``) and, unless ``--no-wait``, follow
it on Kafka with a progress bar until it is settled (``jira_sync.ops.resync_progress``)."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from aiokafka.errors import KafkaError

from jira_sync.config_cmd import (
    connection_option,
    env_file_option,
    operator_settings,
    seconds_option,
    site_option,
)
from jira_sync.ops.commands_cmd import publish_command, send_command
from jira_sync.ops.resync_progress import Progress, bar, phase
from jira_sync.ops.resync_watch import NotDeployed, Watch, watching
from streams.commands import Command, parse_command
from streams.settings import Settings
from streams.topics import Topics


@click.command()
@site_option("--site", help="Only the project of this site [default: both].")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Follow the resync until it is settled, with a progress bar; or only send it.",
)
@seconds_option(
    "--timeout",
    "seconds",
    default=1800.0,
    minimum=1,
    help="Give up waiting after this many seconds (the resync goes on in the worker).",
)
@connection_option()
@env_file_option()
def resync(
    site: str | None, wait: bool, seconds: float, connection: str | None, env_file: Path
) -> None:
    """Full resync: every issue of the project(s) is read and merged with its counterpart;
    missing counterparts are created, drifted pairs repaired, pairs in sync cost reads only.

    The bar counts the snapshots the worker has handled (routed to their pair) out of those
    it has read so far; the run is settled when, on top, the worker's pair-changes offsets
    pass where they stood then. Needs a running `jira-sync worker`.

    \b
    Example:
      jira-sync resync                 # both sites, wait with a progress bar
      jira-sync resync --site 2 --no-wait
      jira-sync resync --connection acme   # one connection of SYNC_CONNECTIONS_FILE
    """
    body: dict[str, Any] = {"full_resync": True}
    if site is not None:
        body["source_instance"] = int(site)
    if connection is not None:
        body["connection"] = connection
    if not wait:
        send_command(env_file, body)
        return
    settings = operator_settings(env_file)
    command = parse_command(body, str(uuid.uuid4()), datetime.now(UTC))
    progress = Progress(command.command_id, time.monotonic())
    try:
        settled = asyncio.run(_follow(settings, command, progress, seconds))
    except (KafkaError, NotDeployed) as error:
        raise click.ClickException(str(error)) from None
    if not settled:
        click.echo(f"jira-sync resync: {_why_not(progress, seconds)}", err=True)
        sys.exit(1)
    click.echo(f"full resync settled: {progress.summary(time.monotonic())}")


async def _follow(settings: Settings, command: Command, progress: Progress, seconds: float) -> bool:
    from streams.sync.kafka_io import worker_group  # imports faust: only when waiting

    async with watching(settings, worker_group(settings)) as watch:
        await publish_command(settings, command)
        progress.sent = True
        topic = Topics(settings.kafka_topic_prefix).commands
        click.echo(f"sent {command.command} {command.key} ({command.command_id}) to {topic}")
        deadline = time.monotonic() + seconds
        show = BarLine(sys.stderr.isatty())
        while not progress.settled():
            if progress.refused is not None or time.monotonic() > deadline:
                break
            await _step(watch, progress)
            show(bar(progress))
        show.close()
        if progress.settled():  # the states the worker wrote before committing, all read
            await watch.read_to_end(progress, watch.topics.sync_state, deadline)
    return progress.settled()


async def _step(watch: Watch, progress: Progress) -> None:
    await watch.read(progress)
    await watch.refresh(progress)


def _why_not(progress: Progress, seconds: float) -> str:
    if progress.refused is not None:
        return f"the worker refused the resync: {progress.refused}"
    return (
        f"gave up waiting after {seconds:g} s while {phase(progress)}; "
        f"so far {progress.summary(time.monotonic())}. The resync goes on in the worker: "
        "see `jira-sync status` and the dead-letter topic"
    )


class BarLine:
    """The bar on stderr: redrawn in place on a terminal; elsewhere a line each time the
    text changes, at most every ``every`` seconds (logs stay readable)."""

    def __init__(self, terminal: bool, every: float = 2.0) -> None:
        self.terminal = terminal
        self.every = every
        self.last = ""
        self.at = -every

    def __call__(self, text: str) -> None:
        if self.terminal:
            click.echo(f"\r{text:<110}", err=True, nl=False)
        elif text != self.last and time.monotonic() - self.at >= self.every:
            click.echo(text, err=True)
            self.at = time.monotonic()
        self.last = text

    def close(self) -> None:
        if self.terminal and self.last:
            click.echo("", err=True)
