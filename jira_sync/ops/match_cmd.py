"""``jira-sync match``: propose pairs between issues that existed on both sites before the
sync (``jira_sync.ops.match_plan`` decides; ``match_read`` reads JIRA; ``match_view``
prints). ``--dry-run`` writes nothing; ``--apply`` sends one ``link_pair`` command per
proposed pair not linked yet onto the command topic: the worker links them
(``streams.sync.linking``: fields that differ become conflicts), and a pair linked already
is left as it is, so applying twice changes nothing."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
from aiokafka.errors import KafkaError

from jira_sync.config_cmd import (
    connection_option,
    connection_settings,
    env_file_option,
    operator_settings,
)
from jira_sync.ops.commands_cmd import publish_commands
from jira_sync.ops.match_plan import Issue, Plan, plan
from jira_sync.ops.match_read import MatchError, Query, read_both
from jira_sync.ops.match_view import csv_text, summary_line, table
from streams.commands import LinkPair
from streams.jira.errors import JiraError
from streams.settings import Settings

NAMED_RULES = ("key-in-summary", "summary-created", "jql")


def _rule(ctx: click.Context, param: click.Parameter, value: str) -> str:
    named = value in NAMED_RULES
    if not named and not (value.startswith("field:") and value.removeprefix("field:").strip()):
        raise click.BadParameter(f"one of field:NAME, {', '.join(NAMED_RULES)}")
    return value


@click.command()
@click.option(
    "--rule",
    required=True,
    callback=_rule,
    help="field:NAME (the field, by id or name, holds the other side's key), "
    "key-in-summary, summary-created (same summary, same created date in UTC) or jql "
    "(--jql1's and --jql2's issues, paired by the same summary).",
)
@click.option("--jql1", default="", help="With --rule jql: the condition on site 1's issues.")
@click.option("--jql2", default="", help="With --rule jql: the condition on site 2's issues.")
@click.option("--dry-run", is_flag=True, help="Show the plan, write nothing.")
@click.option(
    "--apply", is_flag=True, help="Link the proposed pairs (the worker does it; needs Kafka)."
)
@click.option("--csv", "as_csv", is_flag=True, help="The plan as CSV on stdout, counts on stderr.")
@connection_option()
@env_file_option()
def match(
    rule: str,
    jql1: str,
    jql2: str,
    dry_run: bool,
    apply: bool,
    as_csv: bool,
    connection: str | None,
    env_file: Path,
) -> None:
    """Propose pairs between existing issues of the two projects (JIRA_1/2_PROJECT_KEY,
    or those of --connection),
    by a rule: pairs first, then the issues set apart as ambiguous with their candidates
    (two candidates, or a candidate two issues claim: never paired), then the unmatched
    and the counts. Every issue of each project is read (search/jql).

    \b
    Examples:
      jira-sync match --rule "field:Legacy key" --dry-run
      jira-sync match --rule key-in-summary --dry-run --csv > plan.csv
      jira-sync match --rule jql --jql1 'labels = migrated' --jql2 'labels = migrated' --dry-run
    """
    if apply == dry_run:
        raise click.UsageError("give --dry-run (show the plan) or --apply (link its pairs)")
    query = _query(rule, jql1, jql2)
    settings = connection_settings(operator_settings(env_file), connection)
    one, two = _read(settings, query)
    shown = "jql (same summary)" if rule == "jql" else rule
    proposed = plan(query.rule, one, two)
    _show(proposed, settings, shown, as_csv)
    if apply:
        _apply(settings, proposed)


def _apply(settings: Settings, proposed: Plan) -> None:
    """A ``link_pair`` command for each pair not linked yet (ambiguous ones never)."""
    now = datetime.now(UTC)
    wanted = [p for p in proposed.pairs if not p.linked]
    commands = [
        LinkPair(command_id=f"match:{uuid.uuid4()}", issued_at=now, sync_id=p.sync_id)
        for p in wanted
    ]
    try:
        asyncio.run(publish_commands(settings, commands))
    except KafkaError as error:
        click.echo(f"jira-sync match: Kafka did not take the link commands: {error}", err=True)
        sys.exit(1)
    linked = len(proposed.pairs) - len(wanted)
    click.echo(f"sent {len(commands)} link commands ({linked} pairs linked already)", err=True)


def _read(settings: Settings, query: Query) -> tuple[list[Issue], list[Issue]]:
    try:
        sides = asyncio.run(read_both(settings, query))
    except (MatchError, JiraError) as error:
        click.echo(f"jira-sync match: {error}", err=True)
        sys.exit(1)
    for site, side in zip((1, 2), sides, strict=True):
        if not side.has_field:
            name = query.rule.removeprefix("field:")
            click.echo(f"jira-sync match: site {site} has no field {name!r}", err=True)
    return sides[0].issues, sides[1].issues


def _show(proposed: Plan, settings: Settings, rule: str, as_csv: bool) -> None:
    if as_csv:
        click.echo(csv_text(proposed, rule), nl=False)
        click.echo(summary_line(proposed), err=True)
        return
    projects = (settings.site(1).project_key, settings.site(2).project_key)
    click.echo(table(proposed, projects, rule))


def _query(rule: str, jql1: str, jql2: str) -> Query:
    if rule != "jql":
        if jql1 or jql2:
            raise click.UsageError("--jql1/--jql2 go with --rule jql only")
        return Query(rule, {})
    if not (jql1.strip() and jql2.strip()):
        raise click.UsageError("--rule jql needs --jql1 and --jql2")
    return Query("summary", {1: jql1, 2: jql2})
