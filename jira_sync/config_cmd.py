"""What every ``jira-sync`` command shares, and ``jira-sync config``.

``settings_or_exit`` builds a command's settings; ``operator_settings`` also takes what a
running ``jira-sync up`` wrote for the operator commands (its generated key, its ports, its
Kafka and table) for every variable that neither the environment nor the settings file
sets. The option decorators are the options several commands take (the settings file,
listen addresses, ports, timeouts, the local stack's folders, the worker's table store),
each spelled once: a command names what it takes, and its own help text where that differs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import click
from dotenv import dotenv_values
from pydantic import SecretStr

from stack import default_home, process
from streams.settings import ConfigError, Settings, load_settings

Options = Callable[[Callable[..., None]], Callable[..., None]]  # what an option decorator is
PORT = click.IntRange(0, 65535)
FOLDER = click.Path(file_okay=False, path_type=Path)


def settings_or_exit(env_file: Path | None = Path(".env"), both_sites: bool = True) -> Settings:
    """Build the settings, or end the process with every problem listed and exit code 2."""
    try:
        return load_settings(env_file, both_sites)
    except ConfigError as error:
        click.echo(f"jira-sync: {error.render()}", err=True)
        sys.exit(2)


SANDBOX_ENV = "sandbox.env"  # in up's default run folder while it serves
UP_PID, UP_STARTED = "JIRA_SYNC_UP_PID", "JIRA_SYNC_UP_STARTED"  # a recycled pid is no up


def sandbox_env_file() -> Path:
    return default_home() / "run" / "up" / SANDBOX_ENV


def running_sandbox(path: Path) -> dict[str, str]:
    """The variables a running ``jira-sync up`` wrote to ``path``; none when no ``up``
    runs (no file, or the pid it names is gone: a killed ``up`` leaves the file behind)."""
    if not path.is_file():
        return {}
    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    pid, started = values.pop(UP_PID, ""), values.pop(UP_STARTED, None)
    return values if pid.isdigit() and process.alive(int(pid), started) else {}


def unset_of(found: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """What of ``found`` neither the environment nor ``env_file`` sets."""
    configured = set(os.environ)
    if env_file is not None and env_file.is_file():
        configured |= set(dotenv_values(env_file))
    return {key: value for key, value in found.items() if key not in configured}


def operator_settings(env_file: Path | None = Path(".env"), both_sites: bool = True) -> Settings:
    """``settings_or_exit`` for an operator command: a running sandbox fills in what is not
    configured, so ``jira-sync status`` works next to ``make up`` with nothing copied."""
    path = sandbox_env_file()
    added = unset_of(running_sandbox(path), env_file)
    if added:
        os.environ.update(added)
        click.echo(
            f"jira-sync: {len(added)} unset settings taken from the sandbox ({path})", err=True
        )
    return settings_or_exit(env_file, both_sites)


def env_file_option(help: str | None = None) -> Options:
    """``--env-file``: the settings file (``.env``); environment variables win over it."""
    path = click.Path(path_type=Path)
    return click.option("--env-file", type=path, default=Path(".env"), show_default=True, help=help)


def port_option(flag: str, default: int | None, help: str) -> Options:
    """A TCP port, 0 to 65535; its default shown when it has one."""
    shown = None if default is None else True
    return click.option(flag, type=PORT, default=default, show_default=shown, help=help)


def listen_options(variable: str, port: int) -> Options:
    """``--host`` and ``--port`` of a server, by default its settings ``<variable>_HOST``
    and ``<variable>_PORT`` (127.0.0.1 and ``port`` unless set)."""
    host = f"Listen address [default: {variable}_HOST, 127.0.0.1]."
    return _both(
        click.option("--host", default=None, help=host),
        port_option("--port", None, f"[default: {variable}_PORT, {port}]."),
    )


def seconds_option(
    *decls: str, default: float, help: str | None = None, minimum: float | None = None
) -> Options:
    """A duration in seconds (a float, at least ``minimum`` if there is one)."""
    kind = float if minimum is None else click.FloatRange(minimum)
    return click.option(*decls, type=kind, default=default, show_default=True, help=help)


def count_option(flag: str, default: int, within: click.IntRange, help: str) -> Options:
    """A whole number in ``within``, its default shown."""
    return click.option(flag, type=within, default=default, show_default=True, help=help)


def home_options(home: str, run_dir: str) -> Options:
    """``--home`` (the local stack's folder, described by ``home``) and ``--run-dir``."""
    where = f"{home} [default: $JIRA_SYNC_HOME or ./.jira-sync]."
    return _both(
        click.option("--home", type=FOLDER, default=None, help=where),
        click.option("--run-dir", type=FOLDER, default=None, help=run_dir),
    )


def site_option(*decls: str, help: str, required: bool = False) -> Options:
    """A JIRA site, ``1`` or ``2``: required, or else none by default (both sites)."""
    sites = click.Choice(["1", "2"])
    if required:  # no default at all: click 8.3 takes ``default=None`` for a given value
        return click.option(*decls, type=sites, required=True, help=help)
    return click.option(*decls, type=sites, default=None, help=help)


def connection_option() -> Options:
    """``--connection NAME``: one connection of ``SYNC_CONNECTIONS_FILE``."""
    return click.option(
        "--connection",
        default=None,
        metavar="NAME",
        help="Only this connection's projects (SYNC_CONNECTIONS_FILE) [default: all, or the "
        "single pair].",
    )


def connection_settings(settings: Settings, name: str | None) -> Settings:
    """The settings of connection ``name`` as a single pair; an unknown name: exit 2."""
    from streams.connections import ConnectionsError, scoped

    try:
        return scoped(settings, name)
    except ConnectionsError as error:
        raise click.UsageError(str(error)) from None


def store_option(help: str) -> Options:
    """``--store``: the worker's Faust table store."""
    return click.option("--store", default="rocksdb://", show_default=True, help=help)


def _both(first: Options, second: Options) -> Options:
    """Two options, ``first`` listed first."""
    return lambda command: first(second(command))


@click.command()
@env_file_option()
def config(env_file: Path) -> None:
    """Validate the configuration and print it with secrets masked.

    Exit code 2 with every bad variable listed when the configuration is invalid.

    \b
    Example:
      JIRA_1_PROJECT_KEY=ACME jira-sync config
    """
    settings = settings_or_exit(env_file)
    for name, value in settings.model_dump().items():
        shown = "**********" if isinstance(value, SecretStr) else ("" if value is None else value)
        click.echo(f"{name.upper()}={shown}")
    mode = "sandbox (emulated JIRA sites)" if settings.sandbox else "real JIRA sites"
    click.echo(f"# mode: {mode}", err=True)
