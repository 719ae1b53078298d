"""The console script as an operator meets it: every command, nested ones included, shows
an example under ``--help``; the operator commands are listed."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from jira_sync.cli import main


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


ALL = list(commands(main))


def test_the_walk_finds_nested_commands() -> None:
    assert ("stack", "up") in ALL
    assert {("doctor",), ("status",), ("resync",), ("manual-sync",), ("resolve",)} <= set(ALL)


@pytest.mark.parametrize("path", [(), *ALL], ids=lambda path: " ".join(path) or "jira-sync")
def test_every_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    example = result.output.split("Example", 1)
    assert len(example) == 2, f"`jira-sync {' '.join(path)} --help` shows no example"
    assert "jira-sync" in example[1] or "curl" in example[1]
