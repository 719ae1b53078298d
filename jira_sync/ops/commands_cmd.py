"""``jira-sync manual-sync``, ``resolve`` and ``unlink``: operator commands onto the
command topic, the same bodies as the seed's and as ``POST /manual-sync``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from jira_sync.config_cmd import env_file_option, operator_settings, site_option
from streams.commands import Command, CommandError, parse_command
from streams.kafka_reach import started
from streams.kafka_security import client_options
from streams.settings import Settings
from streams.topics import Topics


@click.command("manual-sync")
@click.argument("issue_key")
@site_option("--from", "source", help="The site the issue lives on.", required=True)
@env_file_option()
def manual_sync(issue_key: str, source: str, env_file: Path) -> None:
    """Sync one issue now: it is read from its site and merged with its counterpart (made
    when missing). The worker carries it out; problems land on the dead-letter topic.

    \b
    Example:
      jira-sync manual-sync PROJ1-123 --from 1
    """
    send_command(env_file, {"issue_key": issue_key, "source_instance": int(source)})


@click.command("resolve")
@click.argument("sync_id")
@click.option(
    "--direction",
    type=click.Choice(["jira_1_to_2", "jira_2_to_1"]),
    required=True,
    help="Whose values win on the conflicted fields.",
)
@env_file_option()
def resolve(sync_id: str, direction: str, env_file: Path) -> None:
    """Settle a conflicted pair: the chosen side's values go to the other side.

    \b
    Example:
      jira-sync resolve PROJ1-123#PROJ2-456 --direction jira_1_to_2
    """
    body = {"sync_id": sync_id, "resolve_conflict": True, "resolution_direction": direction}
    send_command(env_file, body)


@click.command("unlink")
@click.argument("sync_id")
@env_file_option()
def unlink(sync_id: str, env_file: Path) -> None:
    """End a pair: both issues lose the sync's link marker and remote links and stay as
    they are; later changes of either are not synced.

    \b
    Example:
      jira-sync unlink PROJ1-123#PROJ2-456
    """
    send_command(env_file, {"command": "unlink_pair", "sync_id": sync_id})


def send_command(env_file: Path, body: dict[str, Any]) -> None:
    """A command body checked as the worker will check it, then put on the command topic;
    a usage error or Kafka's refusal ends the CLI with its message."""
    settings = operator_settings(env_file)
    try:
        command = parse_command(body, str(uuid.uuid4()), datetime.now(UTC))
    except CommandError as error:
        raise click.UsageError(error.reason) from None
    try:
        asyncio.run(publish_command(settings, command))
    except KafkaError as error:
        raise click.ClickException(
            f"Kafka at {settings.kafka_bootstrap_servers} did not take the command: {error}"
        ) from None
    topic = Topics(settings.kafka_topic_prefix).commands
    click.echo(f"sent {command.command} {command.key} ({command.command_id}) to {topic}")


async def publish_command(settings: Settings, command: Command) -> None:
    """One command on the command topic, acknowledged by every in-sync replica."""
    await publish_commands(settings, [command])


async def publish_commands(settings: Settings, commands: Sequence[Command]) -> None:
    """Commands on the command topic in order, each acknowledged by every in-sync replica."""
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    producer = AIOKafkaProducer(
        bootstrap_servers=servers,
        acks="all",
        request_timeout_ms=10000,
        **client_options(security),
    )
    await started(producer, servers, security, 30.0)
    try:
        topic = Topics(settings.kafka_topic_prefix).commands
        sent = [
            await producer.send(topic, command.to_bytes(), key=command.key.encode())
            for command in commands
        ]
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()
