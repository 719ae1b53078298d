"""``jira-sync projections``: the sync-state topic into DynamoDB, and the status endpoint."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jira_sync.config_cmd import count_option, env_file_option, listen_options, settings_or_exit
from projections.dynamo_table import SchemaMismatch
from projections.service import ServeOptions, serve
from projections.store import StoreUnavailable


@click.command()
@env_file_option()
@listen_options("STATUS", 8090)
@count_option(
    "--max-records",
    500,
    click.IntRange(1, 10_000),
    "Records read from Kafka per batch (one DynamoDB write round, then one commit).",
)
@click.option(
    "--status-only",
    is_flag=True,
    help="Serve the status endpoint without consuming (e.g. a second, read-only instance).",
)
def projections(
    env_file: Path, host: str | None, port: int | None, max_records: int, status_only: bool
) -> None:
    """Project the sync-state topic into DynamoDB and serve the status endpoint.

    Creates the table DYNAMODB_TABLE when absent (AWS credentials and region from boto3's
    standard chain, or DYNAMODB_ENDPOINT_URL for DynamoDB Local). Consumes as the group
    <KAFKA_TOPIC_PREFIX>.projections and commits only after the items are written.
    Routes: GET /health (open); GET /status, /syncs?state=..., /syncs/{sync_id}
    (header X-API-Key: MANAGEMENT_API_KEY).

    \b
    Example:
      MANAGEMENT_API_KEY=k jira-sync projections --port 8090
      curl -H 'X-API-Key: k' 'http://127.0.0.1:8090/syncs?state=conflicted&limit=20'
    """
    settings = settings_or_exit(env_file)
    options = ServeOptions(
        host=host or settings.status_host,
        port=settings.status_port if port is None else port,
        consume=not status_only,
        max_records=max_records,
    )
    try:
        serve(settings, options)
    except (StoreUnavailable, SchemaMismatch) as error:
        click.echo(f"jira-sync projections: {error}", err=True)
        sys.exit(1)
