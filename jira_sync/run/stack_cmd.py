"""``jira-sync stack up|status|down``: the local Kafka + DynamoDB Local."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jira_sync.config_cmd import home_options, port_option, seconds_option
from stack import Stack, StackError, StackHome, default_home


def _stack(home: Path | None, run_dir: Path | None) -> Stack:
    layout = StackHome.at(home if home is not None else default_home())
    if run_dir is not None:
        layout = StackHome(cache=layout.cache, run=run_dir.resolve())
    return Stack(layout, progress=lambda message: click.echo(f"stack: {message}", err=True))


def with_stack(command: Callable[..., None]) -> Callable[..., None]:
    """``--home`` and ``--run-dir``, handed to ``command`` as the ``Stack`` they name."""

    @functools.wraps(command)
    def wrapped(home: Path | None, run_dir: Path | None, **rest: Any) -> None:
        command(_stack(home, run_dir), **rest)

    return home_options(
        "Folder for downloads (HOME/cache) and the stack",
        "Folder for pids, logs and data of this stack [default: HOME/run].",
    )(wrapped)


@click.group()
def stack() -> None:
    """Local Apache Kafka (KRaft) and DynamoDB Local from Maven Central, without Docker.

    \b
    Example:
      eval "$(jira-sync stack up)"   # exports KAFKA_BOOTSTRAP_SERVERS and DYNAMODB_ENDPOINT_URL
    """


@stack.command()
@with_stack
@port_option("--kafka-port", 9092, "Kafka listener port on 127.0.0.1; 0 picks a free one.")
@port_option("--dynamodb-port", 8000, "DynamoDB Local port on 127.0.0.1; 0 picks a free one.")
@seconds_option("--timeout", default=180.0, help="Seconds to wait until both services answer.")
@click.option(
    "--sasl-ssl-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Also listen there with SASL_SSL (TLS + SCRAM; 0: a free port), and print the "
    "settings of a client of that listener (docs/kafka-security.md).",
)
def up(
    local: Stack, kafka_port: int, dynamodb_port: int, timeout: float, sasl_ssl_port: int | None
) -> None:
    """Start Kafka and DynamoDB Local (downloading the jars on first use) and wait for them.

    Prints KAFKA_BOOTSTRAP_SERVERS=... and DYNAMODB_ENDPOINT_URL=... on stdout. Running it
    again while the stack is up starts nothing and prints the same addresses.

    \b
    Example:
      jira-sync stack up --kafka-port 0 --dynamodb-port 0
    """
    try:
        state = local.up(kafka_port, dynamodb_port, timeout, sasl_ssl_port)
    except StackError as error:
        click.echo(f"jira-sync stack up: {error}", err=True)
        sys.exit(1)
    if state.already_running:
        click.echo("stack: already running; nothing started", err=True)
    else:
        click.echo(f"stack: started in {state.startup_seconds:.1f} s", err=True)
    click.echo(state.exports())


@stack.command()
@with_stack
def status(local: Stack) -> None:
    """Show the stack's processes and whether they are alive. Exit 1 when not running.

    \b
    Example:
      jira-sync stack status
    """
    state = local.status()
    if state is None:
        click.echo("stack: not running")
        sys.exit(1)
    healthy = True
    for service in state.services():
        alive = service.alive()
        healthy &= alive
        word = "running" if alive else "DEAD"
        click.echo(
            f"{service.name:9} {word:8} pid={service.pid} port={service.port} log={service.log}"
        )
    click.echo(state.exports())
    sys.exit(0 if healthy else 1)


@stack.command()
@with_stack
def down(local: Stack) -> None:
    """Stop exactly the processes `stack up` started (by their recorded pids).

    \b
    Example:
      jira-sync stack down
    """
    stopped = ", ".join(local.down())
    click.echo(f"stack: stopped {stopped}" if stopped else "stack: nothing was running")
