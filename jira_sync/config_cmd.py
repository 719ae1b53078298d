"""``jira-sync config``: validate and show the effective configuration."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from pydantic import SecretStr

from streams.settings import ConfigError, Settings, load_settings


def settings_or_exit(env_file: Path | None = Path(".env"), both_sites: bool = True) -> Settings:
    """Build the settings, or end the process with every problem listed and exit code 2."""
    try:
        return load_settings(env_file, both_sites)
    except ConfigError as error:
        click.echo(f"jira-sync: {error.render()}", err=True)
        sys.exit(2)


@click.command()
@click.option(
    "--env-file", type=click.Path(path_type=Path), default=Path(".env"), show_default=True
)
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
