"""``jira-sync doctor``: check the configuration, both JIRA sites, Kafka and DynamoDB, and
print one line per finding with a fix under every problem."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click

from jira_sync.config_cmd import env_file_option, seconds_option
from jira_sync.doctor.config import config_findings, invalid
from jira_sync.doctor.infra import infra_checks
from jira_sync.doctor.jira import site_checks
from jira_sync.doctor.report import Check, Finding, exit_code, render, run_checks
from streams.connections import Connection, ConnectionsError, load_connections
from streams.settings import ConfigError, Settings, load_settings


def all_checks(settings: Settings, limit: float) -> list[Check]:
    """Each site's sign-in, every connection's checks on each site, Kafka and DynamoDB."""
    request_timeout = max(1.0, limit - 1.0)  # a JIRA call gives up before its check does
    try:
        connections: tuple[Connection | None, ...] = load_connections(settings)
    except ConnectionsError:  # the configuration findings say why
        connections = (None,)
    checks = []
    for number in (1, 2):
        for n, connection in enumerate(connections):
            checks += site_checks(settings, number, request_timeout, connection, n == 0)
    return [*checks, *infra_checks(settings, limit)]


def diagnose(env_file: Path | None, limit: float) -> list[Finding]:
    """Every finding, in report order. Invalid settings: that finding alone (nothing else
    can be checked without them)."""
    try:
        settings = load_settings(env_file)
    except ConfigError as error:
        return [invalid(error)]
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # the findings say it better
    checked = asyncio.run(run_checks(all_checks(settings, limit), limit))
    return [*config_findings(settings), *checked]


@click.command()
@env_file_option()
@seconds_option(
    "--timeout",
    "limit",
    default=15.0,
    minimum=1.0,
    help="Seconds each check may take; checks run side by side.",
)
def doctor(env_file: Path, limit: float) -> None:
    """Check the configuration, each JIRA site (credentials, project, permissions, the
    synced fields on the create and edit screens), Kafka and DynamoDB.

    Prints one line per finding (OK, WARN or FAIL) and, under every WARN and FAIL, the fix.
    Exit code 1 when anything FAILs.

    \b
    Example:
      jira-sync doctor --timeout 10
    """
    findings = diagnose(env_file, limit)
    click.echo(render(findings))
    sys.exit(exit_code(findings))
