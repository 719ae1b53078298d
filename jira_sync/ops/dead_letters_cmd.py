"""``jira-sync dead-letters list`` and ``redrive``: the dead-letter topic grouped by reason,
and its records fed back through the path they came from, each once
(``streams.dead_letter_redrive`` says how; ``streams.dead_letter_plan`` decides)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from aiokafka.errors import KafkaError

from jira_sync.config_cmd import env_file_option, operator_settings
from streams import dead_letter_plan as plans
from streams import dead_letter_redrive as kafka
from streams.dead_letters import DeadLetter
from streams.settings import Settings

REASON = "Only the letters whose reason contains TEXT (any case)."


def letter_json(letter: DeadLetter, state: plans.State) -> dict[str, Any]:
    original = letter.original
    source = None if original is None else [original.topic, original.partition, original.offset]
    return {
        "id": letter.id,
        "partition": letter.partition,
        "offset": letter.offset,
        "reason": letter.reason,
        "source": letter.source,
        "key": letter.key,
        "at": letter.at,
        "state": state,
        "why_not": letter.why_not,
        "record": source,  # topic, partition, offset it was read from; None: older letter
        "value": letter.shown,
    }


def render_groups(groups: Sequence[plans.Group], known: dict[str, plans.State]) -> str:
    """The letters by reason, for people: each group's count and sources, then each letter."""
    count = sum(len(group.letters) for group in groups)
    if not count:
        return "no dead letters"
    lines = [f"{count} dead letter(s), {len(groups)} reason(s)"]
    for group in groups:
        lines += ["", f"{len(group.letters)} x {group.reason}"]
        lines.append(f"    from: {', '.join(group.sources)}")
        for letter in group.letters:
            state = plans.state_of(letter, known)
            whence = plans.where(letter) if letter.original is not None else "(no record kept)"
            lines.append(
                f"    {letter.id:>8}  {letter.at or '?':32}  key {letter.key or '-'}  "
                f"{state}  {whence}"
            )
    return "\n".join(lines)


def render_outcome(outcome: kafka.Outcome, dry_run: bool) -> str:
    lines = [
        f"settled an interrupted redrive of {letter}: record "
        + ("found, counted as re-driven" if found else "not found, may be re-driven")
        for letter, found in outcome.settled
    ]
    lines += [
        f"{step.letter.id}: {'re-drive ' if step.redrive else ''}{step.why}"
        for step in outcome.steps
    ]
    if not outcome.steps:
        lines.append("no dead letter chosen")
    verb = "would re-drive" if dry_run else "re-driven"
    count = sum(step.redrive for step in outcome.steps) if dry_run else len(outcome.done)
    lines.append(f"{count} {verb}, {sum(not step.redrive for step in outcome.steps)} skipped")
    if outcome.stopped:
        lines.append(outcome.stopped)
    return "\n".join(lines)


async def _listed(settings: Settings) -> tuple[list[DeadLetter], dict[str, plans.State]]:
    letters = await kafka.read_letters(settings)
    known, _ = plans.states(await kafka.read_markers(settings))
    return letters, known


def _fail(what: str, error: Exception, code: int = 1) -> None:
    click.echo(f"jira-sync dead-letters {what}: {error}", err=True)
    sys.exit(code)


@click.group("dead-letters")
def dead_letters() -> None:
    """The records the worker could not handle, by reason, and their re-drive.

    \b
    Examples:
      jira-sync dead-letters list
      jira-sync dead-letters redrive --reason "HTTP 400" --dry-run
    """


@dead_letters.command("list")
@click.option("--reason", metavar="TEXT", default=None, help=REASON)
@click.option("--json", "as_json", is_flag=True, help="One JSON document, a list of letters.")
@env_file_option()
def list_letters(reason: str | None, as_json: bool, env_file: Path) -> None:
    """The dead letters grouped by reason, each with where it came from and whether it was
    re-driven (waiting, redriven, in doubt, cannot: kept before records were).

    \b
    Examples:
      jira-sync dead-letters list
      jira-sync dead-letters list --reason "internal error" --json
    """
    settings = operator_settings(env_file, both_sites=False)
    try:
        letters, known = asyncio.run(_listed(settings))
    except KafkaError as error:
        _fail("list", error)
    chosen = [letter for letter in letters if plans.matches(letter, reason)]
    if as_json:
        shown = [letter_json(letter, plans.state_of(letter, known)) for letter in chosen]
        click.echo(json.dumps(shown, indent=2))
        return
    click.echo(render_groups(plans.grouped(chosen), known))


@dead_letters.command("redrive")
@click.option("--reason", metavar="TEXT", default=None, help=REASON)
@click.option(
    "--offset",
    "offsets",
    metavar="[PARTITION:]OFFSET",
    multiple=True,
    help="The letter at this place of the dead-letter topic (as `list` shows); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be re-driven; send nothing.")
@env_file_option()
def redrive(reason: str | None, offsets: tuple[str, ...], dry_run: bool, env_file: Path) -> None:
    """Feed dead letters back to the topic they were read from, each once.

    A letter re-driven (by anyone) is not re-driven again; of two redrives at once, the
    later takes over and the earlier stops. Give --reason or --offset.

    \b
    Examples:
      jira-sync dead-letters redrive --reason "internal error" --dry-run
      jira-sync dead-letters redrive --offset 3:120 --offset 0:7
    """
    if (reason is None) == (not offsets):
        click.echo("jira-sync dead-letters redrive: give --reason or --offset (one)", err=True)
        sys.exit(2)
    settings = operator_settings(env_file, both_sites=False)

    def choose(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
        return plans.chosen(letters, reason, offsets)

    try:
        outcome = asyncio.run(kafka.redrive(settings, choose, dry_run))
    except plans.BadSelection as error:
        _fail("redrive", error, 2)
    except KafkaError as error:
        _fail("redrive", error)
    click.echo(render_outcome(outcome, dry_run))
    sys.exit(1 if outcome.stopped else 0)
