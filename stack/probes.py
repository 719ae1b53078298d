"""Is a port free, and does a service really answer (not merely listen)?"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import boto3
from aiokafka import AIOKafkaClient
from botocore.config import Config


def port_free(host: str, port: int) -> bool:
    """Nothing listens on ``port``. ``SO_REUSEADDR``, as every server here binds: the
    TIME_WAIT sockets a run that just stopped leaves behind do not count as taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def kafka_answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """A real Kafka metadata request, answered with at least one broker."""
    return asyncio.run(_kafka_metadata(bootstrap, wait=timeout))


async def _kafka_metadata(bootstrap: str, wait: float) -> bool:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait * 1000))
    try:
        with _quiet("aiokafka"):
            await asyncio.wait_for(client.bootstrap(), wait)
        return bool(client.cluster.brokers())
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()


def dynamodb_answers(endpoint: str, timeout: float = 5.0) -> bool:
    """A real DynamoDB ListTables call."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local ignores credentials
        config=Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 0}),
    )
    try:
        client.list_tables(Limit=1)
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Connection refusals are expected while a service starts; do not log them."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
