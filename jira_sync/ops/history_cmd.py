"""``jira-sync history SYNC_ID``: one pair's timeline from the journal topic, in the
terminal; the same timeline as the console's pair page (``projections.timeline``).

``SYNC_ID`` is a display sync id (``PROJ1-1#PROJ2-2``) or a pair id (``1:10001``). A sync
id is looked up in the projections table, or, when that cannot answer, on the sync-state
topic (every pair's latest state). Only the pair's journal partition is read, outside any
consumer group.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from jira_sync.config_cmd import count_option, env_file_option, operator_settings
from jira_sync.ops.replay_events import latest
from projections.console_kafka import pair_records
from projections.kafka import KafkaOptions
from projections.service import dynamo_store
from projections.store import StoreUnavailable
from projections.timeline import as_text, entries
from streams.settings import Settings
from streams.state import PairState
from streams.topics import Topics


async def pair_id_of(settings: Settings, ident: str) -> str | None:
    if "#" not in ident:
        return ident
    store = dynamo_store(settings)
    try:
        item = await store.find_by_sync_id(ident)
        if item is not None:
            return item.pair_id
    except StoreUnavailable:
        pass  # not projected here: the sync-state topic knows every pair too
    finally:
        await store.close()
    states = await latest(settings, Topics(settings.kafka_topic_prefix).sync_state)
    for key, value in states.items():
        if PairState.from_bytes(value).sync_id == ident:
            return key.decode()
    return None


async def history_of(
    settings: Settings, ident: str, limit: int
) -> tuple[str, list[dict[str, Any]]]:
    pair_id = await pair_id_of(settings, ident)
    if pair_id is None:
        raise click.ClickException(f"no pair {ident!r} in the projections or the sync-state topic")
    journal = KafkaOptions(
        settings.kafka_bootstrap_servers,
        Topics(settings.kafka_topic_prefix).journal,
        "",
        security=settings.kafka_security(),
    )
    return pair_id, await pair_records(journal, pair_id, limit)


@click.command("history")
@click.argument("sync_id")
@count_option("--limit", 200, click.IntRange(1, 10_000), "The newest records to show.")
@click.option("--json", "as_json", is_flag=True, help="The journal records as JSON lines.")
@env_file_option()
def history(sync_id: str, limit: int, as_json: bool, env_file: Path) -> None:
    """Print one pair's timeline: every step (its input, its events, its outcome), every
    state made durable before a JIRA write, from the journal topic, oldest first.

    \b
    Examples:
      jira-sync history 'PROJ1-123#PROJ2-456'
      jira-sync history 1:10001 --json
    """
    settings = operator_settings(env_file)
    pair_id, records = asyncio.run(history_of(settings, sync_id, limit))
    if as_json:
        for record in records:
            click.echo(json.dumps(record, separators=(",", ":")))
        return
    click.echo(f"pair {pair_id}: {len(records)} journal record(s)")
    if records:
        click.echo(as_text(entries(records)))
