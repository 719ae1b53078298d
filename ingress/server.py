"""Run the ingress for real: Kafka publisher, health probes, JSON logs, graceful shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from pydantic import SecretStr

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.health import default_probes
from ingress.kafka import KafkaPublisher, ProducerConfig, TopicSpec
from ingress.publisher import Publisher
from streams.logs import configure_logging
from streams.settings import Settings
from streams.topics import Topics

RECORD_MARGIN = 1024 * 1024


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    shutdown_timeout: float = 30.0


def kafka_publisher(settings: Settings, options: IngressOptions) -> KafkaPublisher:
    """The producer, and the topics it makes sure exist (sized for the largest body)."""
    topics = Topics(settings.kafka_topic_prefix)
    max_record = options.max_body_bytes + RECORD_MARGIN
    return KafkaPublisher(
        ProducerConfig(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            security=settings.kafka_security(),
            request_timeout=options.publish_timeout,
            max_record_bytes=max_record,
            topics=(topics.events(1), topics.events(2), topics.ignored_events, topics.commands),
            topic_spec=TopicSpec(
                settings.kafka_partitions, settings.kafka_replication_factor, max_record
            ),
        )
    )


def build_app(
    settings: Settings, options: IngressOptions, publisher: Publisher | None = None
) -> web.Application:
    probes = default_probes(settings, options.health_timeout)
    return create_app(settings, publisher or kafka_publisher(settings, options), options, probes)


def secret_values(settings: Settings) -> list[SecretStr | None]:
    """Every secret of the settings, for the log formatter to mask wherever it appears."""
    return [
        settings.webhook_secret,
        settings.webhook_secret_1,
        settings.webhook_secret_2,
        settings.management_api_key,
        settings.jira_1_api_token,
        settings.jira_2_api_token,
    ]


def serve(
    settings: Settings,
    options: IngressOptions,
    serve_options: ServeOptions,
    publisher: Publisher | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; then finish in-flight requests and flush to Kafka."""
    configure_logging(settings.log_level, secrets=secret_values(settings))
    app = build_app(settings, options, publisher)
    web.run_app(
        app,
        host=serve_options.host,
        port=serve_options.port,
        shutdown_timeout=serve_options.shutdown_timeout,
        access_log=None,
        print=None,
    )
