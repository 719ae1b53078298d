"""``jira-sync emulator``: one emulated JIRA site (Cloud, or Data Center with
``--flavour datacenter``) over HTTP, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import click

from jira_sync.config_cmd import PORT, count_option
from sandbox import RateLimits, SiteConfig, serve_emulator


@click.command()
@click.option("--port", type=PORT, required=True, help="0 picks a free one.")
@click.option("--project", "project_key", required=True, help="Project key, e.g. PROJ1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--webhook-url", default=None, help="Where to deliver webhooks [default: none].")
@click.option(
    "--webhook-secret",
    default=None,
    envvar="EMULATOR_WEBHOOK_SECRET",
    show_envvar=True,
    help="Sign deliveries (X-Hub-Signature); the variable keeps it out of the process list.",
)
@click.option(
    "--workflow",
    type=click.Choice(["default", "simplified", "strict"]),
    default="default",
    show_default=True,
    help="default: resolution required on the way to Done, Severity on Escalate; "
    "simplified: no screens, resolution Done set on Done; strict: no To Do -> Done.",
)
@click.option(
    "--role",
    "integration_role",
    type=click.Choice(["site-admin", "project-admin", "user"]),
    default="user",
    show_default=True,
    help="The --email account's role: only an admin may edit with notifyUsers=false.",
)
@click.option(
    "--flavour",
    type=click.Choice(["cloud", "datacenter"]),
    default="cloud",
    show_default=True,
    help="cloud: REST v3, ADF, accountIds; datacenter: JIRA Data Center's REST v2, wiki "
    "markup, users by name and key, Basic username:password or Bearer personal access token.",
)
@click.option("--email", default="sandbox@example.com", show_default=True)
@click.option("--api-token", default="sandbox-token", show_default=True)
@click.option(
    "--personal-access-token",
    default="sandbox-pat",
    show_default=True,
    help="datacenter: the --email account's token for Authorization: Bearer.",
)
@click.option(
    "--rate-limits/--no-rate-limits",
    default=True,
    show_default=True,
    help="Burst and per-issue write limits (429 with Retry-After); on for datacenter too, "
    "where an admin may have enabled them.",
)
@count_option(
    "--seed-issues",
    0,
    click.IntRange(0, 10_000),
    "Issues to create at start (without webhooks).",
)
@click.option("--text-field-id", default="customfield_10042", show_default=True)
@click.option("--select-field-id", default="customfield_10050", show_default=True)
def emulator(port: int, host: str, rate_limits: bool, seed_issues: int, **site: Any) -> None:
    """Run one emulated JIRA Cloud site (REST v3 subset, webhooks) until Ctrl-C.

    Prints the site's base URL on stdout. Basic auth with --email and --api-token.
    Runtime knobs (faults, screens, rate limits, users, the delivery log) are under
    /_emulator/ (see sandbox/control.py).

    \b
    Example:
      jira-sync emulator --port 8081 --project PROJ1 \\
          --webhook-url http://127.0.0.1:8080/webhook/jira1 --webhook-secret s3cret
      curl -u sandbox@example.com:sandbox-token http://127.0.0.1:8081/rest/api/3/myself
    """
    # The other options are named as the site's settings are: they go to it as they are.
    site["project_key"] = site["project_key"].upper()
    config = SiteConfig(**site, rate_limits=RateLimits() if rate_limits else None)
    asyncio.run(_serve(config, host, port, seed_issues))
    click.echo("emulator: stopped", err=True)


async def _serve(config: SiteConfig, host: str, port: int, seed_issues: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with serve_emulator(config, host, port) as running:
        if seed_issues:
            running.emulator.seed_issues(seed_issues)
        click.echo(running.base_url)
        click.echo(
            f"emulator: project {config.project_key} at {running.base_url} (Ctrl-C to stop)",
            err=True,
        )
        await stop.wait()
