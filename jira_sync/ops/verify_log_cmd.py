"""``jira-sync verify-log``: re-verify a webhook's HMAC from the log alone.

An events record's value is the body JIRA signed, byte for byte, and its headers hold the
site and JIRA's ``X-Hub-Signature`` (``streams/wire.py``), so the site's webhook secret is
all it takes to show that nobody changed the record since JIRA sent it. Exit code 0: the
signature matches; 1: it does not, or the record cannot be verified (an older envelope
record, a record without a signature); 2: the record could not be read.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from jira_sync.config_cmd import env_file_option, operator_settings
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options
from streams.settings import Settings
from streams.wire import Verdict, verify_record


class NotRead(Exception):
    """The record could not be read from Kafka; the message says why."""


async def read_record(
    bootstrap: str,
    topic: str,
    partition: int,
    offset: int,
    within: float,
    security: KafkaSecurity = PLAINTEXT,
) -> ConsumerRecord[bytes, bytes]:
    """The record at ``offset`` of ``topic``'s ``partition`` (no consumer group)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        request_timeout_ms=40_000,
        **client_options(security),
    )
    place = TopicPartition(topic, partition)
    try:
        await asyncio.wait_for(consumer.start(), within)
        consumer.assign([place])
        end = (await asyncio.wait_for(consumer.end_offsets([place]), within))[place]
        if not 0 <= offset < end:
            raise NotRead(f"{topic}:{partition} has offsets below {end}: none at {offset}")
        consumer.seek(place, offset)
        record = await asyncio.wait_for(consumer.getone(place), within)
    except (TimeoutError, KafkaError) as error:
        raise NotRead(f"cannot read {topic}:{partition}@{offset}: {error!r}") from None
    finally:
        await consumer.stop()
    if record.offset != offset:  # compacted or deleted: the next one came instead
        raise NotRead(f"{topic}:{partition} has no record at offset {offset} any more")
    return record


def secrets(settings: Settings) -> dict[int, str | None]:
    found: dict[int, str | None] = {}
    for site in (1, 2):
        secret = settings.webhook_secret_for(site)
        found[site] = secret.get_secret_value() if secret is not None else None
    return found


def describe(where: str, verdict: Verdict) -> str:
    stamp = verdict.stamp
    about = f" (site {stamp.site}, webhook {stamp.webhook_id})" if stamp is not None else ""
    state = "verified" if verdict.ok else "NOT VERIFIED"
    return f"{where}{about}: {state}: {verdict.detail}"


@click.command("verify-log")
@click.option("--topic", required=True, help="An events topic, e.g. jira-sync.jira1.events.")
@click.option("--partition", type=int, default=0, show_default=True)
@click.option("--offset", type=int, required=True, help="The record's offset.")
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds.")
@env_file_option()
def verify_log(topic: str, partition: int, offset: int, timeout: float, env_file: Path) -> None:
    """Check one webhook record's signature with the site's WEBHOOK_SECRET.

    \b
    Example:
      jira-sync verify-log --topic jira-sync.jira1.events --partition 3 --offset 1200
    """
    settings = operator_settings(env_file, both_sites=False)
    bootstrap = settings.kafka_bootstrap_servers
    try:
        record = asyncio.run(
            read_record(bootstrap, topic, partition, offset, timeout, settings.kafka_security())
        )
    except NotRead as error:
        click.echo(f"jira-sync verify-log: {error}", err=True)
        sys.exit(2)
    verdict = verify_record(record.value, record.headers, secrets(settings))
    click.echo(describe(f"{topic}:{partition}@{offset}", verdict))
    sys.exit(0 if verdict.ok else 1)
