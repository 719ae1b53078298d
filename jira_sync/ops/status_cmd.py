"""``jira-sync status``: read the projections' status endpoint and print it as tables (or
as JSON). The endpoint is ``jira-sync projections``' own port, ``STATUS_HOST:STATUS_PORT``,
and wants ``MANAGEMENT_API_KEY`` as ``X-API-Key`` (``projections/http.py``)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp
import click

from jira_sync.config_cmd import count_option, env_file_option, operator_settings, seconds_option
from jira_sync.ops.status_view import Snapshot, render
from streams.httpapi import API_KEY_HEADER
from streams.settings import Settings

ANY_ADDRESS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - where a listener binds, not us


class Unavailable(Exception):
    """The status endpoint could not be read; the message says why and what to do."""


def default_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.status_host in ANY_ADDRESS else settings.status_host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.status_port}"


async def read(url: str, api_key: str, limit: int, seconds: float) -> Snapshot:
    """``/status`` and the newest ``limit`` conflicted and failed pairs."""
    headers = {API_KEY_HEADER: api_key, "Accept": "application/json"}
    budget = aiohttp.ClientTimeout(total=seconds)
    async with aiohttp.ClientSession(url, headers=headers, timeout=budget) as http:
        status = await _get(http, url, "/status", {})
        conflicted = await _get(http, url, "/syncs", {"state": "conflicted", "limit": limit})
        failed = await _get(http, url, "/syncs", {"state": "failed", "limit": limit})
    return Snapshot(url, status, conflicted, failed)


async def _get(
    http: aiohttp.ClientSession, url: str, path: str, query: dict[str, Any]
) -> dict[str, Any]:
    try:
        async with http.get(path, params=query) as answer:
            text = await answer.text()
            status = answer.status
    except aiohttp.ClientConnectorError as error:
        reason = f"nothing answers at {url} ({error.os_error})"
        raise Unavailable(f"{reason}; {_is_it_running()}") from None
    except (TimeoutError, aiohttp.ClientError) as error:
        raise Unavailable(f"{url}{path} did not answer: {type(error).__name__} {error}") from None
    body = _json(text)
    if status != 200 or body is None:
        raise Unavailable(_refusal(url + path, status, body, text))
    return body


def _json(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _refusal(where: str, status: int, body: dict[str, Any] | None, text: str) -> str:
    reason = str(body.get("reason")) if body and "reason" in body else text[:200].strip()
    if status == 401:
        advice = "set MANAGEMENT_API_KEY to the key the projections run with"
        return f"{where} refused the key (401: {reason}); {advice}"
    if status == 503:
        return f"{where} is unavailable (503: {reason}); the projections cannot read DynamoDB"
    if status == 200:
        return f"{where} answered something other than the status endpoint's JSON; check --url"
    return f"{where} answered {status}: {reason}"


def _is_it_running() -> str:
    return (
        "is `jira-sync projections` running? It serves the status endpoint on "
        "STATUS_HOST:STATUS_PORT (default 127.0.0.1:8090); or give --url"
    )


@click.command()
@env_file_option()
@click.option("--url", help="Status endpoint [default: http://STATUS_HOST:STATUS_PORT].")
@click.option("--json", "as_json", is_flag=True, help="Print the answers as one JSON document.")
@count_option(
    "--limit", 20, click.IntRange(1, 100), "Conflicted and failed pairs to list (newest first)."
)
@seconds_option("--timeout", "seconds", default=10.0)
def status(env_file: Path, url: str | None, as_json: bool, limit: int, seconds: float) -> None:
    """Show the sync state from the projections' status endpoint: pairs by state, then the
    conflicts and failures with their sync ids and reasons. Exit 1 when it cannot be read.

    \b
    Example:
      MANAGEMENT_API_KEY=k jira-sync status --limit 50
      jira-sync status --json | jq '.status.counts'
    """
    settings = operator_settings(env_file)
    key = settings.management_api_key
    if key is None:
        raise click.UsageError("MANAGEMENT_API_KEY is not set: the status endpoint needs it")
    where = (url or default_url(settings)).rstrip("/")
    try:
        snapshot = asyncio.run(read(where, key.get_secret_value(), limit, seconds))
    except Unavailable as error:
        click.echo(f"jira-sync status: {error}", err=True)
        sys.exit(1)
    click.echo(json.dumps(snapshot.as_json(), indent=2) if as_json else render(snapshot))
