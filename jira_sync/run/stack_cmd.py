"""``jira-sync stack up|status|down``: the local Kafka + DynamoDB Local."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from stack import Stack, StackError, StackHome, default_home


def _stack(home: Path | None, run_dir: Path | None) -> Stack:
    layout = StackHome.at(home if home is not None else default_home())
    if run_dir is not None:
        layout = StackHome(cache=layout.cache, run=run_dir.resolve())
    return Stack(layout, progress=lambda message: click.echo(f"stack: {message}", err=True))


def home_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--run-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder for pids, logs and data of this stack [default: HOME/run].",
    )(command)
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder for downloads (HOME/cache) and the stack "
        "[default: $JIRA_SYNC_HOME or ./.jira-sync].",
    )(command)


@click.group()
def stack() -> None:
    """Local Apache Kafka (KRaft) and DynamoDB Local from Maven Central, without Docker.

    \b
    Example:
      eval "$(jira-sync stack up)"   # exports KAFKA_BOOTSTRAP_SERVERS and DYNAMODB_ENDPOINT_URL
    """


@stack.command()
@home_options
@click.option(
    "--kafka-port",
    type=click.IntRange(0, 65535),
    default=9092,
    show_default=True,
    help="Kafka listener port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--dynamodb-port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="DynamoDB Local port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--timeout",
    type=float,
    default=180.0,
    show_default=True,
    help="Seconds to wait until both services answer.",
)
def up(
    home: Path | None, run_dir: Path | None, kafka_port: int, dynamodb_port: int, timeout: float
) -> None:
    """Start Kafka and DynamoDB Local (downloading the jars on first use) and wait for them.

    Prints KAFKA_BOOTSTRAP_SERVERS=... and DYNAMODB_ENDPOINT_URL=... on stdout. Running it
    again while the stack is up starts nothing and prints the same addresses.

    \b
    Example:
      jira-sync stack up --kafka-port 0 --dynamodb-port 0
    """
    try:
        state = _stack(home, run_dir).up(kafka_port, dynamodb_port, timeout)
    except StackError as error:
        click.echo(f"jira-sync stack up: {error}", err=True)
        sys.exit(1)
    if state.already_running:
        click.echo("stack: already running; nothing started", err=True)
    else:
        click.echo(f"stack: started in {state.startup_seconds:.1f} s", err=True)
    click.echo(state.exports())


@stack.command()
@home_options
def status(home: Path | None, run_dir: Path | None) -> None:
    """Show the stack's processes and whether they are alive. Exit 1 when not running.

    \b
    Example:
      jira-sync stack status
    """
    state = _stack(home, run_dir).status()
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
@home_options
def down(home: Path | None, run_dir: Path | None) -> None:
    """Stop exactly the processes `stack up` started (by their recorded pids).

    \b
    Example:
      jira-sync stack down
    """
    stopped = _stack(home, run_dir).down()
    click.echo(f"stack: stopped {', '.join(stopped)}" if stopped else "stack: nothing was running")
