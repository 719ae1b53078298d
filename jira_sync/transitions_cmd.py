"""``jira-sync transitions``: list an issue's transitions, or move it to a status."""

from __future__ import annotations

import asyncio
import sys
from typing import Literal, cast

import click

from jira_sync.config_cmd import settings_or_exit
from streams.jira.client import JiraClient
from streams.jira.errors import JiraError
from streams.jira.models import Transition
from streams.jira.sites import open_client, site_auth
from streams.jira.transport import SiteAuth


@click.command()
@click.argument("issue_key")
@click.option("--site", type=click.Choice(["1", "2"]), required=True, help="Which JIRA site.")
@click.option("--to", "target", default=None, help="Perform the transition leading to STATUS.")
@click.option(
    "--resolution",
    default="Done",
    show_default=True,
    help="Resolution sent when the transition requires one.",
)
def transitions(issue_key: str, site: str, target: str | None, resolution: str) -> None:
    """List the transitions of ISSUE_KEY, or perform the one whose target is STATUS.

    Works against a configured site (JIRA_1_*/JIRA_2_*) or, without credentials, the
    sandbox emulator of that site.

    \b
    Examples:
      jira-sync transitions PROJ1-7 --site 1
      jira-sync transitions PROJ1-7 --site 1 --to "In Progress"
    """
    settings = settings_or_exit(both_sites=False)  # one site at a time
    auth = site_auth(settings, cast(Literal[1, 2], int(site)))
    try:
        asyncio.run(_run(auth, issue_key, target, resolution))
    except JiraError as error:
        click.echo(f"jira-sync transitions: {error}", err=True)
        sys.exit(1)


async def _run(auth: SiteAuth, key: str, target: str | None, resolution: str) -> None:
    async with open_client(auth) as client:
        available = await client.transitions(key)
        if target is None:
            _print(key, available)
            return
        await _perform(client, key, available, target, resolution)


def _print(key: str, available: list[Transition]) -> None:
    if not available:
        click.echo(f"{key}: no transitions available (check the workflow and permissions)")
    for transition in available:
        needs = ", ".join(transition.required_fields())
        suffix = f"  (requires {needs})" if needs else ""
        click.echo(f"{transition.id:>6}  {transition.name}  ->  {transition.to.name}{suffix}")


async def _perform(
    client: JiraClient, key: str, available: list[Transition], target: str, resolution: str
) -> None:
    match = next((t for t in available if t.to.name.casefold() == target.casefold()), None)
    if match is None:
        reachable = ", ".join(sorted({t.to.name for t in available})) or "none"
        click.echo(
            f"{key}: no transition leads to {target!r}; reachable now: {reachable}", err=True
        )
        sys.exit(1)
    fields = (
        {"resolution": {"name": resolution}} if "resolution" in match.required_fields() else None
    )
    await client.transition(key, match.id, fields)
    click.echo(f"{key}: {match.name} -> {match.to.name}")
