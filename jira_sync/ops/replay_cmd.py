"""``jira-sync replay``: rebuild derived state from the log.

Each target is one flag and one entry of ``TARGETS``: ``--projections`` (DynamoDB from the
sync-state topic), ``--events`` (the worker's tables and the sync-state topic from the
journal, ``jira_sync.ops.replay_events``) and ``--what-if`` (the journal's steps decided again
with another mapping file, ``jira_sync.ops.replay_whatif``). See docs/replay.md.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from aiokafka.errors import KafkaError

from jira_sync.config_cmd import env_file_option, operator_settings
from jira_sync.ops.replay_events import Comparison, compare, fold_file, fold_journal, write_back
from jira_sync.ops.replay_options import ReplayOptions, replay_options
from jira_sync.ops.replay_whatif import replay_what_if
from projections.dynamo_table import SchemaMismatch
from projections.replay import MissingTopic, ReplayResult, ReplayStalled, StateLog, rebuild
from projections.service import dynamo_store, kafka_options
from projections.store import StoreUnavailable
from streams.settings import Settings
from streams.sync.mapping import MappingError
from streams.sync.replay import Rebuilt
from streams.topics import Topics


@dataclass(frozen=True)
class Target:
    name: str  # the flag is --<name>
    what: str
    run: Callable[[Settings, ReplayOptions], None]


def replay_projections(settings: Settings, options: ReplayOptions) -> None:
    yes = options.yes
    table, topic = settings.dynamodb_table, kafka_options(settings).topic
    if not yes:
        click.confirm(f"Delete DynamoDB table {table!r} and rebuild it from {topic}?", abort=True)
    try:
        result = asyncio.run(_rebuild(settings))
    except (KafkaError, MissingTopic, ReplayStalled, SchemaMismatch, StoreUnavailable) as error:
        click.echo(f"jira-sync replay: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"rebuilt {table!r} from {topic}: {result.records} record(s), {result.applied} "
        f"write(s), {result.stale} older version(s) skipped, {result.rejected} unreadable"
    )


async def _rebuild(settings: Settings) -> ReplayResult:
    store = dynamo_store(settings)
    try:
        async with StateLog(kafka_options(settings)) as log:
            label = f"replaying {kafka_options(settings).topic}"
            with click.progressbar(length=log.total, label=label, file=sys.stderr) as bar:
                return await rebuild(store, log, bar.update)
    finally:
        await store.close()


def replay_events(settings: Settings, options: ReplayOptions) -> None:
    if options.journal is not None:  # a file: the fold's report, nothing compared or written
        rebuilt = fold_file(options.journal)
        for line in report(rebuilt):
            click.echo(line)
        sys.exit(1 if rebuilt.diverged or rebuilt.incomplete else 0)
    try:
        comparison = asyncio.run(_fold_and_compare(settings))
    except (KafkaError, MissingTopic, ReplayStalled, MappingError) as error:
        click.echo(f"jira-sync replay: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
    for line in report(comparison.rebuilt):
        click.echo(line)
    for topic, records in comparison.differ.items():
        click.echo(
            f"  {topic}: {comparison.compared[topic] - len(records)} equal, "
            f"{len(records)} missing or different"
        )
    if not comparison.complete:
        click.echo("jira-sync replay: not written: the rebuild is not exact (see above)", err=True)
        sys.exit(1)
    count = sum(len(records) for records in comparison.differ.values())
    if count == 0:
        click.echo("the log already holds exactly the rebuilt tables: nothing to write")
        return
    if not options.yes:
        click.confirm(f"Write {count} record(s)? Stop the workers first.", abort=True)
    written = asyncio.run(write_back(settings, comparison))
    click.echo(f"wrote {written} record(s); the workers load them at their next start")


def report(rebuilt: Rebuilt) -> list[str]:
    """What the fold found: counts, then the pairs it could not rebuild and why."""
    lines = [
        f"journal: {rebuilt.steps} step(s) ({rebuilt.old} of the old format), "
        f"{rebuilt.intents} intent(s), {rebuilt.routes} routing(s), "
        f"{rebuilt.unreadable} unreadable; rebuilt {len(rebuilt.pairs)} pair(s) and "
        f"{sum(len(links) for links in rebuilt.links.values())} link(s)"
    ]
    lines += [f"  diverged: pair {pair}: {why}" for pair, why in sorted(rebuilt.diverged.items())]
    lines += [
        f"  incomplete: pair {pair}: {rebuilt.reasons.get(pair, 'its history is not all there')}"
        for pair in sorted(rebuilt.incomplete)
    ]
    return lines


async def _fold_and_compare(settings: Settings) -> Comparison:
    label = f"replaying {Topics(settings.kafka_topic_prefix).journal}"
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def total(offsets: int) -> None:
            bar.length = max(offsets, 1)

        rebuilt = await fold_journal(settings, bar.update, total)
    return await compare(settings, rebuilt)


TARGETS = (
    Target(
        "projections",
        "recreate the DynamoDB table DYNAMODB_TABLE and rebuild it from the sync-state topic",
        replay_projections,
    ),
    Target(
        "events",
        "rebuild the worker's pair and link tables and the sync-state topic by folding "
        "the journal's events; writes what differs (with --journal: only reports)",
        replay_events,
    ),
    Target(
        "what-if",
        "decide the journal's steps again with --mapping NEW and print, per pair, what "
        "would have been written differently; touches nothing",
        replay_what_if,
    ),
)


def supported() -> str:
    lines = [f"  --{target.name:<13} {target.what}" for target in TARGETS]
    return "\n".join(["supported:", *lines])


def target_flags(command: Callable[..., None]) -> Callable[..., None]:
    """One ``--<name>`` flag per target."""
    for target in reversed(TARGETS):
        dest = target.name.replace("-", "_")
        flag = click.option(f"--{target.name}", dest, is_flag=True, help=target.what)
        command = flag(command)
    return command


@click.command()
@env_file_option()
@target_flags
@replay_options
def replay(env_file: Path, options: ReplayOptions, **flags: bool) -> None:
    """Rebuild derived state by replaying the Kafka log from its beginning.

    \b
    Examples:
      jira-sync replay --projections --yes
      jira-sync replay --events
      jira-sync replay --what-if --mapping new-mapping.yaml --since 2026-12-01T00:00Z
    """
    chosen = [target for target in TARGETS if flags.get(target.name.replace("-", "_"))]
    if not chosen:
        click.echo(f"jira-sync replay: say what to replay.\n{supported()}", err=True)
        sys.exit(2)
    settings = operator_settings(env_file)
    for target in chosen:
        target.run(settings, options)
