"""The options several ``jira-sync`` commands share (``jira_sync.config_cmd``): each spelled
once, with the same names, defaults, ranges and help wherever a command takes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from jira_sync.cli import main
from jira_sync.config_cmd import (
    count_option,
    env_file_option,
    home_options,
    listen_options,
    port_option,
    seconds_option,
    site_option,
)


def given(*options: Any) -> click.Command:
    """A command with ``options`` that echoes what it was given, sorted by name."""

    def echo(**values: Any) -> None:
        click.echo(repr(sorted(values.items())))

    for option in reversed(options):
        echo = option(echo)
    return click.command()(echo)


def run(command: click.Command, *args: str) -> click.testing.Result:
    return CliRunner().invoke(command, list(args), terminal_width=100)


def test_the_listen_options_name_the_settings_they_default_to() -> None:
    command = given(listen_options("STATUS", 8090))
    help_text = run(command, "--help").output
    assert "--host TEXT" in help_text
    assert "Listen address [default: STATUS_HOST, 127.0.0.1]." in help_text
    assert "[default: STATUS_PORT, 8090]." in help_text
    assert help_text.index("--host") < help_text.index("--port")
    assert run(command).output == "[('host', None), ('port', None)]\n"
    assert run(command, "--port", "0").output == "[('host', None), ('port', 0)]\n"


def test_a_port_is_0_to_65535_and_its_default_shows_only_when_it_has_one() -> None:
    command = given(port_option("--web-port", 0, "Web."), port_option("--any", None, "Any."))
    assert run(command, "--web-port", "65536").exit_code == 2
    assert "65535" in run(command, "--web-port", "65536").output
    assert "Web.  [default: 0; 0<=x<=65535]" in run(command, "--help").output
    assert "Any.  [0<=x<=65535]" in run(command, "--help").output


def test_seconds_keep_their_minimum_and_show_their_default() -> None:
    command = given(seconds_option("--timeout", "limit", default=15.0, minimum=1.0, help="T."))
    assert run(command).output == "[('limit', 15.0)]\n"
    assert run(command, "--timeout", "0.5").exit_code == 2
    assert "T.  [default: 15.0; x>=1.0]" in run(command, "--help").output
    plain = given(seconds_option("--timeout", "seconds", default=10.0))
    assert run(plain, "--timeout", "-1").output == "[('seconds', -1.0)]\n"


def test_counts_sites_and_the_env_file() -> None:
    command = given(
        env_file_option(),
        count_option("--limit", 20, click.IntRange(1, 100), "How many."),
        site_option("--site", help="Which."),
    )
    assert run(command).output == (
        f"[('env_file', {Path('.env')!r}), ('limit', 20), ('site', None)]\n"
    )
    assert run(command, "--limit", "101").exit_code == 2
    assert run(command, "--site", "3").exit_code == 2
    assert "('site', '2')" in run(command, "--site", "2").output
    required = given(site_option("--from", "source", help="Where.", required=True))
    assert "Missing option '--from'" in run(required).output


def test_home_options_list_home_first_and_name_the_default_home() -> None:
    command = given(home_options("Folder of things", "Run files here."))
    help_text = run(command, "--help").output
    assert "Folder of things [default: $JIRA_SYNC_HOME or ./.jira-sync]." in help_text
    assert help_text.index("--home") < help_text.index("--run-dir")
    assert run(command, "--run-dir", "r").output == (
        f"[('home', None), ('run_dir', {Path('r')!r})]\n"
    )


def test_every_command_with_a_settings_file_takes_it_the_same_way() -> None:
    commands = dict(main.commands) | {
        f"stack {n}": c for n, c in main.commands["stack"].commands.items()
    }  # type: ignore[attr-defined]
    with_env_file = {
        name: next(p for p in command.params if p.name == "env_file")
        for name, command in commands.items()
        if any(p.name == "env_file" for p in command.params)
    }
    assert set(with_env_file) == {
        "config",
        "doctor",
        "history",
        "ingress",
        "manual-sync",
        "match",
        "projections",
        "replay",
        "resolve",
        "resync",
        "status",
        "unlink",
        "up",
        "verify-log",
        "worker",
    }
    assert {str(p.default) for p in with_env_file.values()} == {".env"}
