"""The options ``jira-sync replay`` passes to its targets (``jira_sync.ops.replay_cmd``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click


@dataclass(frozen=True)
class ReplayOptions:
    yes: bool = False  # do not ask before deleting or writing anything
    mapping: Path | None = None  # --what-if: the mapping file to try
    since: datetime | None = None  # --what-if: only the steps from then on
    journal: Path | None = None  # the journal from a file instead of the topic


def _moment(context: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def replay_options(command: Callable[..., None]) -> Callable[..., None]:
    """Adds the options and hands them to ``command`` as one ``options`` argument."""

    @functools.wraps(command)
    def wrapped(
        yes: bool,
        mapping: Path | None,
        since: datetime | None,
        journal: Path | None,
        **rest: Any,
    ) -> None:
        command(options=ReplayOptions(yes, mapping, since, journal), **rest)

    path = click.Path(exists=True, dir_okay=False, path_type=Path)
    decorated: Callable[..., None] = wrapped
    for option in reversed(
        [
            click.option("--yes", "-y", is_flag=True, help="Do not ask before writing anything."),
            click.option("--mapping", type=path, help="--what-if: the mapping file to try."),
            click.option(
                "--since",
                callback=_moment,
                help="--what-if: only the steps from this ISO 8601 time on (UTC if no offset).",
            ),
            click.option(
                "--journal",
                type=path,
                help="Read the journal from this file (one record per line, as "
                "kafka-console-consumer prints the journal topic) instead of Kafka.",
            ),
        ]
    ):
        decorated = option(decorated)
    return decorated
