"""``jira-sync ingress``: signed JIRA webhooks in, Kafka out, plus the management API."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ingress.app import MissingSecret
from ingress.context import JIRA_MAX_BODY, IngressOptions
from ingress.server import ServeOptions, serve
from jira_sync.config_cmd import settings_or_exit


@click.command()
@click.option(
    "--env-file", type=click.Path(path_type=Path), default=Path(".env"), show_default=True
)
@click.option("--host", default=None, help="Listen address [default: INGRESS_HOST, 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="[default: INGRESS_PORT, 8080]."
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1),
    default=JIRA_MAX_BODY,
    show_default=True,
    help="Larger bodies answer 413 (JIRA's own cap is 25 MB).",
)
@click.option(
    "--publish-timeout",
    type=click.FloatRange(0.1),
    default=5.0,
    show_default=True,
    help="Seconds to wait for Kafka's acknowledgement before answering 503.",
)
@click.option(
    "--retry-after",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="Retry-After seconds sent with 503.",
)
@click.option(
    "--shutdown-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds in-flight requests get to finish on SIGTERM/SIGINT.",
)
@click.option(
    "--insecure-skip-signature",
    is_flag=True,
    help="DEVELOPMENT ONLY: accept unsigned webhooks for sites without a secret.",
)
def ingress(
    env_file: Path,
    host: str | None,
    port: int | None,
    max_body_bytes: int,
    publish_timeout: float,
    retry_after: int,
    shutdown_timeout: float,
    insecure_skip_signature: bool,
) -> None:
    """Serve POST /webhook/jira1 and /webhook/jira2, the management API and /metrics.

    Webhooks are verified (X-Hub-Signature with WEBHOOK_SECRET, or WEBHOOK_SECRET_1/_2)
    and answered 202 only once Kafka acknowledged them. Refuses to start without a secret
    unless --insecure-skip-signature is given.

    \b
    Example:
      WEBHOOK_SECRET=s3cret MANAGEMENT_API_KEY=k jira-sync ingress --port 8080
    """
    settings = settings_or_exit(env_file)
    options = IngressOptions(
        max_body_bytes=max_body_bytes,
        publish_timeout=publish_timeout,
        retry_after=retry_after,
        insecure=insecure_skip_signature,
    )
    listen = ServeOptions(
        host=host or settings.ingress_host,
        port=settings.ingress_port if port is None else port,
        shutdown_timeout=shutdown_timeout,
    )
    try:
        serve(settings, options, listen)
    except MissingSecret as error:
        click.echo(f"jira-sync ingress: {error}", err=True)
        sys.exit(2)
