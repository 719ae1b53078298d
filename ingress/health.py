"""Probes of the detailed health view: small async callables the composition root injects.

Each answers a ``Check``: ``ok``, ``down`` (with why) or ``not configured``. ``run_checks``
runs them concurrently, each under a timeout, and never raises.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import aiohttp
import boto3
from aiokafka import AIOKafkaClient
from botocore.config import Config

from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options
from streams.settings import Settings, SiteSettings

Status = Literal["ok", "down", "not configured"]


@dataclass(frozen=True)
class Check:
    status: Status
    detail: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail, "seconds": round(self.seconds, 3)}


Probe = Callable[[], Awaitable[Check]]


async def run_checks(probes: Mapping[str, Probe], limit: float) -> dict[str, Check]:
    """Run every probe concurrently, each given ``limit`` seconds."""
    names = list(probes)
    results = await asyncio.gather(*(_timed(probes[name], limit) for name in names))
    return dict(zip(names, results, strict=True))


async def _timed(probe: Probe, limit: float) -> Check:
    began = time.monotonic()
    try:
        check = await asyncio.wait_for(probe(), limit)
    except TimeoutError:
        check = Check("down", f"no answer within {limit:g} s")
    except Exception as error:
        check = Check("down", f"{type(error).__name__}: {error}")
    return Check(check.status, check.detail, time.monotonic() - began)


def kafka_probe(
    bootstrap_servers: str, timeout: float, security: KafkaSecurity = PLAINTEXT
) -> Probe:
    async def probe() -> Check:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=int(timeout * 1000),
            **client_options(security),
        )
        try:
            await client.bootstrap()
            brokers = len(client.cluster.brokers())
        finally:
            with contextlib.suppress(Exception):
                await client.close()
        return Check("ok", f"{brokers} broker(s)") if brokers else Check("down", "no brokers")

    return probe


def dynamodb_probe(endpoint_url: str | None, region: str, timeout: float) -> Probe:
    """``ListTables`` through boto3, in a thread (boto3 is blocking)."""

    def list_tables() -> Check:
        session = boto3.session.Session(region_name=region)
        local = endpoint_url is not None and session.get_credentials() is None
        client = session.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            aws_access_key_id="local" if local else None,
            aws_secret_access_key="local" if local else None,  # DynamoDB Local ignores them
            config=Config(
                connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 0}
            ),
        )
        tables = client.list_tables(Limit=100)["TableNames"]
        return Check("ok", f"{len(tables)} table(s) listed")

    async def probe() -> Check:
        return await asyncio.to_thread(list_tables)

    return probe


def jira_probe(site: SiteSettings, timeout: float) -> Probe:
    """``GET /rest/api/3/serverInfo`` with the site's basic auth."""

    async def probe() -> Check:
        if not site.configured or site.api_token is None:
            return Check("not configured", "no JIRA credentials for this site (sandbox)")
        headers = {"Accept": "application/json", "Authorization": basic_auth(site)}
        url = f"{site.base_url}/rest/api/3/serverInfo"
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status != 200:
                return Check("down", f"serverInfo answered HTTP {response.status}")
            info = await response.json(content_type=None)
        version = info.get("version", "?") if isinstance(info, dict) else "?"
        return Check("ok", f"JIRA {version}")

    return probe


def basic_auth(site: SiteSettings) -> str:
    token = site.api_token.get_secret_value() if site.api_token is not None else ""
    pair = f"{site.username or ''}:{token}".encode()
    return f"Basic {base64.b64encode(pair).decode()}"


def default_probes(settings: Settings, timeout: float) -> dict[str, Probe]:
    endpoint = settings.dynamodb_endpoint_url
    return {
        "kafka": kafka_probe(settings.kafka_bootstrap_servers, timeout, settings.kafka_security()),
        "dynamodb": dynamodb_probe(
            str(endpoint) if endpoint is not None else None, settings.aws_region, timeout
        ),
        "jira1": jira_probe(settings.site(1), timeout),
        "jira2": jira_probe(settings.site(2), timeout),
    }
