"""``jira-sync replay --what-if --mapping NEW.yaml [--since T] [--journal FILE]``.

Reads the journal (the topic from its beginning, outside any consumer group, as
``--events`` does; or a file), decides its steps again with the current mapping file
(``MAPPING_FILE``) and with ``NEW.yaml`` (``streams.sync.whatif``), and prints per pair what
would have been written differently. Nothing is written: not to Kafka, not to JIRA.
"""

from __future__ import annotations

import asyncio
import sys

import click
from aiokafka.errors import KafkaError

from jira_sync.ops.replay_events import file_records, read_journal
from jira_sync.ops.replay_options import ReplayOptions
from jira_sync.run.worker_cmd import sync_config
from projections.replay import MissingTopic, ReplayStalled
from streams.settings import Settings
from streams.sync.mapping import MappingError, load_mapping
from streams.sync.whatif import WhatIf, WhatIfReplay, lines


def replay_what_if(settings: Settings, options: ReplayOptions) -> None:
    if options.mapping is None:
        click.echo("jira-sync replay: --what-if needs --mapping NEW.yaml", err=True)
        sys.exit(2)
    try:
        old = sync_config(settings, load_mapping(settings.mapping_file))
        new = sync_config(settings, load_mapping(options.mapping))
    except MappingError as error:
        click.echo(f"jira-sync replay: {error}", err=True)
        sys.exit(1)
    replay = WhatIfReplay(old, new, options.since)
    try:
        report = asyncio.run(_replayed(settings, options, replay))
    except (KafkaError, MissingTopic, ReplayStalled, OSError) as error:
        click.echo(f"jira-sync replay: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
    for line in lines(report):
        click.echo(line)


async def _replayed(settings: Settings, options: ReplayOptions, replay: WhatIfReplay) -> WhatIf:
    if options.journal is not None:
        for raw in file_records(options.journal):
            if raw is not None:
                replay.take(raw)
    else:
        await read_journal(settings, replay.take)
    return replay.done()
