"""Run the projections for real: DynamoDB store, Kafka projector, status app, JSON logs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aiohttp import web

from projections.app import create_app
from projections.console_kafka import CommandProducer, journal_source, letter_source, redriver
from projections.consumer import Projector, ProjectorOptions
from projections.context import ConsolePorts, StatusOptions
from projections.dynamo_table import dynamodb_client
from projections.dynamodb import DynamoStore
from projections.kafka import KafkaOptions, ensure_state_topic, group_consumer, lag_probe
from streams.logs import configure_logging
from streams.settings import Settings
from streams.topics import Topics


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    consume: bool = True
    max_records: int = 500
    shutdown_timeout: float = 10.0


def kafka_options(settings: Settings) -> KafkaOptions:
    return KafkaOptions(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        security=settings.kafka_security(),
        topic=Topics(settings.kafka_topic_prefix).sync_state,
        group=f"{settings.kafka_topic_prefix}.projections",
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )


def dynamo_store(settings: Settings) -> DynamoStore:
    endpoint = settings.dynamodb_endpoint_url
    url = str(endpoint).rstrip("/") if endpoint is not None else None
    return DynamoStore(dynamodb_client(url, settings.aws_region), settings.dynamodb_table)


def build_app(settings: Settings, options: ServeOptions) -> web.Application:
    kafka = kafka_options(settings)
    store = dynamo_store(settings)
    projector = None
    if options.consume:
        projector = Projector(
            partial(group_consumer, kafka, options.max_records),
            store,
            ProjectorOptions(max_records=options.max_records),
            prepare=partial(ensure_state_topic, kafka),
        )
    status = StatusOptions(table=settings.dynamodb_table, group=kafka.group)
    return create_app(settings, store, lag_probe(kafka), projector, status, console_ports(settings))


def console_ports(settings: Settings) -> ConsolePorts:
    """The console reads the journal and the dead letters, sends commands and re-drives
    dead letters on this deployment's Kafka."""
    topics = Topics(settings.kafka_topic_prefix)
    security = settings.kafka_security()
    journal = KafkaOptions(
        settings.kafka_bootstrap_servers, topics.journal, group="", security=security
    )
    return ConsolePorts(
        journal=journal_source(journal),
        send=CommandProducer(settings.kafka_bootstrap_servers, security),
        commands_topic=topics.commands,
        letters=letter_source(settings),
        redrive=redriver(settings),
    )


def serve(settings: Settings, options: ServeOptions) -> None:
    """Serve until SIGINT/SIGTERM, then stop consuming and close the store."""
    configure_logging(settings.log_level, secrets=[settings.management_api_key])
    web.run_app(
        build_app(settings, options),
        host=options.host,
        port=options.port,
        shutdown_timeout=options.shutdown_timeout,
        access_log=None,
        print=None,
    )
