"""``jira-sync transitions``: list an issue's transitions, or move it to a status."""

from __future__ import annotations

import asyncio
import sys
from typing import Literal, cast

import click

from jira_sync.config_cmd import operator_settings, site_option
from streams.jira.client import JiraClient
from streams.jira.errors import JiraError
from streams.jira.models import Transition
from streams.jira.sites import open_client, site_auth
from streams.jira.transport import SiteAuth


@click.command()
@click.argument("issue_key")
@site_option("--site", help="Which JIRA site.", required=True)
@click.option("--to", "target", default=None, help="Perform the transition leading to STATUS.")
@click.option(
    "--resolution",
    default=None,
    help="Resolution sent when the transition's screen has one (the site's own names: "
    "listing the transitions shows them).",
)
def transitions(issue_key: str, site: str, target: str | None, resolution: str | None) -> None:
    """List the transitions of ISSUE_KEY, or perform the one whose target is STATUS.

    Works against a configured site (JIRA_1_*/JIRA_2_*) or, without credentials, the
    sandbox emulator of that site.

    \b
    Examples:
      jira-sync transitions PROJ1-7 --site 1
      jira-sync transitions PROJ1-7 --site 1 --to "In Progress"
      jira-sync transitions PROJ1-7 --site 1 --to Done --resolution Fixed
    """
    settings = operator_settings(both_sites=False)  # one site at a time
    auth = site_auth(settings, cast(Literal[1, 2], int(site)))
    try:
        asyncio.run(_run(auth, issue_key, target, resolution))
    except JiraError as error:
        click.echo(f"jira-sync transitions: {error}", err=True)
        sys.exit(1)


async def _run(auth: SiteAuth, key: str, target: str | None, resolution: str | None) -> None:
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
        needs = ", ".join(_described(transition, name) for name in transition.required_fields())
        suffix = f"  (requires {needs})" if needs else ""
        click.echo(f"{transition.id:>6}  {transition.name}  ->  {transition.to.name}{suffix}")


def _described(transition: Transition, field_id: str) -> str:
    allowed = transition.fields[field_id].get("allowedValues") or []
    names = [str(v.get("name", v.get("value"))) for v in allowed if isinstance(v, dict)]
    return f"{field_id}: {', '.join(names)}" if names else field_id


async def _perform(
    client: JiraClient,
    key: str,
    available: list[Transition],
    target: str,
    resolution: str | None,
) -> None:
    match = next((t for t in available if t.to.name.casefold() == target.casefold()), None)
    if match is None:
        reachable = ", ".join(sorted({t.to.name for t in available})) or "none"
        click.echo(
            f"{key}: no transition leads to {target!r}; reachable now: {reachable}", err=True
        )
        sys.exit(1)
    on_screen = resolution is not None and "resolution" in match.fields
    fields = {"resolution": {"name": resolution}} if on_screen else None
    await client.transition(key, match.id, fields)
    click.echo(f"{key}: {match.name} -> {match.to.name}")
