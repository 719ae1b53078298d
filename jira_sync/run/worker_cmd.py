"""``jira-sync worker``: the Faust sync worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jira_sync.config_cmd import env_file_option, port_option, settings_or_exit, store_option
from streams.connections import Connection, ConnectionsError, load_connections, single
from streams.logs import configure_logging, secrets_of
from streams.settings import Settings
from streams.sync.attachment_actions import AttachmentRules
from streams.sync.fields import (
    ASSIGNEE,
    DEFAULT_FIELDS,
    SECURITY,
    FieldMaps,
    NameMap,
    UserMap,
)
from streams.sync.mapping import CustomFieldSpec, MappingError, MappingFile, load_mapping
from streams.sync.messages import IssueFilter, SyncConfig

if TYPE_CHECKING:
    import faust
    from faust.worker import Worker


def sync_config(
    settings: Settings, mapping: MappingFile | None = None, connection: Connection | None = None
) -> SyncConfig:
    """The decision model's configuration of one connection (by default the single pair
    settings') from the settings and its mapping file. The worker completes it before its
    app starts (``streams.sync.prepare``: custom field ids, integration accounts, the
    knowledge store)."""
    connection = connection or single(settings)
    mapping = mapping if mapping is not None else load_mapping(connection.mapping)
    maps = FieldMaps(
        statuses=NameMap(dict(mapping.statuses)),
        priorities=NameMap(dict(mapping.priorities)),
        issue_types=NameMap(dict(mapping.issue_types)),
        components=NameMap(dict(mapping.components)),
        versions=NameMap(dict(mapping.versions)),
        users=UserMap(dict(mapping.users)),
        security_levels=NameMap(dict(mapping.security_levels)),
        resolutions=NameMap(dict(mapping.resolutions)),
        link_types=NameMap(dict(mapping.link_types)),
        transition_defaults={site: mapping.transition_defaults.on(site) for site in (1, 2)},
    )
    filters = mapping.filters
    return SyncConfig(
        project_keys=dict(connection.projects),
        connection=connection.name,
        policy=connection.policy(settings),
        sync_status=settings.sync_status_transitions,
        maps=maps,
        fields=(
            *DEFAULT_FIELDS,
            *((ASSIGNEE,) if settings.sync_assignee else ()),
            *((SECURITY,) if mapping.security_levels else ()),  # mapped levels are copied
        ),
        create_grace=timedelta(seconds=settings.sync_create_grace_seconds),
        deletion=connection.deletion(settings),
        filters=IssueFilter(
            frozenset(filters.include_labels),
            frozenset(filters.exclude_labels),
            frozenset(filters.issue_types),
            dict(filters.jql),
        ),
        create_missing=settings.sync_create_missing_values,
        sync_comments=settings.sync_comments,
        attribution=settings.sync_reporter_attribution,
        attachments=AttachmentRules(
            settings.sync_attachments,
            mapping.attachments.max_bytes,
            tuple(mapping.attachments.include),
            tuple(mapping.attachments.exclude),
        ),
        worklogs=settings.sync_worklogs,
        trust_agreed=settings.sync_trust_agreed_values,
        marker_secret=settings.marker_secret(),
    )


def connection_configs(settings: Settings) -> list[tuple[SyncConfig, list[CustomFieldSpec]]]:
    """Every connection's config and its mapping file's custom fields (``MappingError``,
    ``ConnectionsError``: a file that cannot be used)."""
    configs = []
    for connection in load_connections(settings):
        mapping = load_mapping(connection.mapping)
        configs.append((sync_config(settings, mapping, connection), list(mapping.custom_fields)))
    return configs


@click.command()
@env_file_option()
@store_option("Faust table store (memory:// for tests).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path(".jira-sync/worker"),
    show_default=True,
)
@click.option("--loglevel", default="info", show_default=True)
@port_option("--web-port", 0, "Serve Faust's web views (health) on this port; 0 = off.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=0,
    envvar="SYNC_METRICS_PORT",
    show_default=True,
    help="Serve Prometheus metrics at 127.0.0.1:PORT/metrics; 0 = off [env SYNC_METRICS_PORT].",
)
def worker(
    env_file: Path, store: str, data_dir: Path, loglevel: str, web_port: int, metrics_port: int
) -> None:
    """Run a sync worker: consumes both sites' events and keeps the sites converged.

    Several workers with the same settings form one consumer group and share the
    partitions.

    \b
    Example:
      KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 jira-sync worker
    """
    from streams.sync.jql_gate import JqlFilterError
    from streams.sync.kafka_io import prepare_kafka
    from streams.sync.prepare import prepare_all
    from streams.sync.worker import create_worker_app

    settings = settings_or_exit(env_file)
    problem = settings.marker_secret_problem()
    if problem is not None:
        raise click.ClickException(problem)
    try:
        asyncio.run(prepare_kafka(settings))
    except Exception as error:
        raise click.ClickException(
            f"cannot create the topics on Kafka at {settings.kafka_bootstrap_servers}: {error}"
        ) from None
    try:
        configs = connection_configs(settings)
    except (MappingError, ConnectionsError) as error:
        raise click.ClickException(str(error)) from None
    configure_logging(loglevel.upper(), secrets=secrets_of(settings))  # ``prepare`` logs
    # The worker's loop: the clients ``prepare`` opens belong to it, and Faust runs on it.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        prepared = loop.run_until_complete(prepare_all(settings, configs))
    except JqlFilterError as error:
        raise click.ClickException(str(error)) from None
    app = create_worker_app(
        settings, prepared, store=store, web_port=web_port, metrics_port=metrics_port
    )
    app.conf.datadir = data_dir
    worker_process(app, settings, loglevel, loop).execute_from_commandline()


def worker_process(
    app: faust.App,
    settings: Settings,
    loglevel: str,
    loop: asyncio.AbstractEventLoop | None = None,
) -> Worker:
    """The Faust worker around ``app``, logging as every other process does: JSON lines on
    stderr through the scrubber of ``streams.logs`` (Faust's own colour log setup is off,
    since it would print secrets and bodies unmasked)."""
    from faust.worker import Worker

    configure_logging(loglevel.upper(), secrets=secrets_of(settings))
    return Worker(app, loglevel=loglevel, quiet=True, override_logging=False, loop=loop)
