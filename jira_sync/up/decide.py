"""What ``jira-sync up`` decides from the settings before it starts any child: that the sites
are configured for one mode, the ports (0 = a free one, chosen now), and the plan (this run's
topic prefix and table on a shared Kafka or DynamoDB, the secrets it generates)."""

from __future__ import annotations

import secrets
import time

from jira_sync.up.console import UpError, progress
from jira_sync.up.infra import Infra
from jira_sync.up.plan import (
    DEFAULT_PREFIX,
    DEFAULT_TABLE,
    SITES,
    Plan,
    Ports,
    sandbox_site_url,
)
from stack import probes
from streams.settings import Settings


def check_sites(settings: Settings) -> None:
    configured = [number for number in SITES if settings.site(number).configured]
    if len(configured) == 1:
        missing = 2 if configured == [1] else 1
        raise UpError(
            f"only JIRA site {configured[0]} is configured: set JIRA_{missing}_BASE_URL, "
            f"JIRA_{missing}_USERNAME and JIRA_{missing}_API_TOKEN too, or neither site for "
            "the sandbox",
            exit_code=2,
        )
    if not settings.sandbox:
        unsigned = [number for number in SITES if settings.webhook_secret_for(number) is None]
        if unsigned:
            names = " or ".join(f"WEBHOOK_SECRET_{number}" for number in unsigned)
            raise UpError(
                f"real JIRA sites need the webhook secret registered with their webhooks: set "
                f"WEBHOOK_SECRET (or {names})",
                exit_code=2,
            )


def resolve_ports(settings: Settings, ports: Ports) -> Ports:
    """A port of 0 becomes a free one now, so every URL can be printed and wired."""
    return Ports(
        ingress=ports.ingress or probes.free_port(settings.ingress_host),
        status=ports.status or probes.free_port(settings.status_host),
        jira1=ports.jira1 or probes.free_port(),
        jira2=ports.jira2 or probes.free_port(),
        metrics=ports.metrics or probes.free_port(),
    )


def make_plan(settings: Settings, ports: Ports, infra: Infra) -> Plan:
    prefix, table = _run_names(settings, infra)
    configured_key = settings.management_api_key
    generated_secret = None
    if settings.sandbox and settings.webhook_secret is None:
        generated_secret = secrets.token_hex(16)
    site_secrets: dict[int, str | None] = {}
    for number in SITES:
        secret = settings.webhook_secret_for(number)
        site_secrets[number] = secret.get_secret_value() if secret else generated_secret
    site_urls: dict[int, str]
    if settings.sandbox:
        site_urls = {number: sandbox_site_url(ports.site(number)) for number in SITES}
    else:
        site_urls = {number: str(settings.site(number).base_url) for number in SITES}
    return Plan(
        sandbox=settings.sandbox,
        ports=ports,
        ingress_host=settings.ingress_host,
        status_host=settings.status_host,
        kafka=infra.kafka,
        dynamodb_url=infra.dynamodb_url,
        topic_prefix=prefix,
        table=table,
        api_key=(
            configured_key.get_secret_value() if configured_key else secrets.token_urlsafe(18)
        ),
        api_key_generated=configured_key is None,
        webhook_secrets=site_secrets,
        webhook_secret_generated=generated_secret,
        project_keys={1: settings.jira_1_project_key, 2: settings.jira_2_project_key},
        site_urls=site_urls,
    )


def _run_names(settings: Settings, infra: Infra) -> tuple[str, str]:
    """The topic prefix and the table of this run."""
    prefix, table = settings.kafka_topic_prefix, settings.dynamodb_table
    if settings.sandbox:
        # The emulated sites start empty: a log or table kept from an earlier run would
        # point at issues that no longer exist. Unless named explicitly, use fresh ones.
        run_id = time.strftime("%Y%m%d-%H%M%S")
        if prefix == DEFAULT_PREFIX and not infra.fresh_kafka:
            prefix = f"{DEFAULT_PREFIX}.sandbox-{run_id}"
            progress(f"Kafka is shared: this run's topics are {prefix}.* (KAFKA_TOPIC_PREFIX)")
        if table == DEFAULT_TABLE and not infra.fresh_dynamodb:
            table = f"{DEFAULT_TABLE}-sandbox-{run_id}"
            progress(f"DynamoDB is shared: this run's table is {table} (DYNAMODB_TABLE)")
    return prefix, table
