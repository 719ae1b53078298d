"""``jira-sync ingress``: signed JIRA webhooks in, Kafka out, plus the management API."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ingress.app import MissingSecret
from ingress.context import JIRA_MAX_BODY, IngressOptions
from ingress.server import ServeOptions, serve
from jira_sync.config_cmd import (
    count_option,
    env_file_option,
    listen_options,
    seconds_option,
    settings_or_exit,
)


@click.command()
@env_file_option()
@listen_options("INGRESS", 8080)
@count_option(
    "--max-body-bytes",
    JIRA_MAX_BODY,
    click.IntRange(1),
    "Larger bodies answer 413 (JIRA's own cap is 25 MB).",
)
@seconds_option(
    "--publish-timeout",
    default=5.0,
    minimum=0.1,
    help="Seconds to wait for Kafka's acknowledgement before answering 503.",
)
@count_option("--retry-after", 10, click.IntRange(1), "Retry-After seconds sent with 503.")
@seconds_option(
    "--shutdown-timeout",
    default=30.0,
    minimum=0,
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
