"""What ``jira-sync up`` runs, decided before anything starts (pure: no I/O but port probes).

The plan holds every address, name and secret the children get; ``child_env`` turns it
into the environment of each ``python -m jira_sync <command>`` child, which builds its own
settings from it (one composition root per process).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from streams.jira.sites import SANDBOX_EMAIL, SANDBOX_TOKEN
from streams.jira.webhooks import EventKind
from streams.settings import Settings
from streams.sites import SiteNumber

SITES: tuple[SiteNumber, SiteNumber] = (1, 2)
WEBHOOK_EVENTS = tuple(kind.value for kind in EventKind)  # to register on a real site
DEMO_USER, DEMO_TOKEN = "alice@example.com", "alice-token"  # a person on every emulated site
DEFAULT_PREFIX = Settings.model_fields["kafka_topic_prefix"].default
DEFAULT_TABLE = Settings.model_fields["dynamodb_table"].default
DEFAULT_KAFKA = Settings.model_fields["kafka_bootstrap_servers"].default


@dataclass(frozen=True)
class Ports:
    ingress: int
    status: int
    jira1: int
    jira2: int
    metrics: int = 0  # the worker's Prometheus metrics; 0: off

    def site(self, number: SiteNumber) -> int:
        return self.jira1 if number == 1 else self.jira2


@dataclass(frozen=True)
class Claim:
    """A port ``up`` needs free before it starts anything, and how to choose another."""

    what: str
    host: str
    port: int
    hint: str


def claims(settings: Settings, ports: Ports, sandbox: bool) -> list[Claim]:
    wanted = [
        Claim(
            "the ingress", settings.ingress_host, ports.ingress, "--ingress-port N or INGRESS_PORT"
        ),
        Claim(
            "the status API", settings.status_host, ports.status, "--status-port N or STATUS_PORT"
        ),
    ]
    if ports.metrics:
        wanted.append(
            Claim(
                "the worker's metrics",
                "127.0.0.1",
                ports.metrics,
                "--metrics-port N or SYNC_METRICS_PORT",
            )
        )
    if sandbox:
        wanted += [
            Claim("emulated JIRA site 1", "127.0.0.1", ports.jira1, "--jira1-port N"),
            Claim("emulated JIRA site 2", "127.0.0.1", ports.jira2, "--jira2-port N"),
        ]
    return wanted


def port_problems(wanted: list[Claim], port_free: Callable[[str, int], bool]) -> list[str]:
    """Every port that is taken (by another process, or twice by this plan)."""
    problems = []
    seen: dict[int, Claim] = {}
    for claim in wanted:
        other = seen.get(claim.port)
        if other is not None:
            problems.append(
                f"port {claim.port} is asked for both {other.what} and {claim.what}; "
                f"choose another with {claim.hint}"
            )
        elif not port_free(claim.host, claim.port):
            problems.append(
                f"port {claim.port} on {claim.host} is already in use, so {claim.what} cannot "
                f"start there; choose another with {claim.hint}"
            )
        seen[claim.port] = claim
    return problems


@dataclass(frozen=True)
class Plan:
    sandbox: bool
    ports: Ports
    ingress_host: str
    status_host: str
    kafka: str
    dynamodb_url: str | None
    topic_prefix: str
    table: str
    api_key: str
    api_key_generated: bool
    webhook_secrets: dict[int, str | None]  # per site, what the emulator signs with
    webhook_secret_generated: str | None  # WEBHOOK_SECRET given to the ingress, if generated
    project_keys: dict[int, str]
    site_urls: dict[int, str]

    @property
    def ingress_url(self) -> str:
        return f"http://{url_host(self.ingress_host)}:{self.ports.ingress}"

    @property
    def status_url(self) -> str:
        return f"http://{url_host(self.status_host)}:{self.ports.status}"

    @property
    def metrics_url(self) -> str | None:
        return f"http://127.0.0.1:{self.ports.metrics}/metrics" if self.ports.metrics else None

    def webhook_url(self, number: int) -> str:
        return f"{self.ingress_url}/webhook/jira{number}"

    @property
    def worker_group(self) -> str:
        return f"{self.topic_prefix}.worker"


def url_host(host: str) -> str:
    """How a client reaches a listen address (a wildcard means this machine)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - a listen address, not a bind
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def sandbox_site_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def child_env(plan: Plan, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of every child: the caller's, with the plan's choices on top."""
    env = dict(base)
    env |= {
        "KAFKA_BOOTSTRAP_SERVERS": plan.kafka,
        "KAFKA_TOPIC_PREFIX": plan.topic_prefix,
        "DYNAMODB_TABLE": plan.table,
        "MANAGEMENT_API_KEY": plan.api_key,
        "INGRESS_PORT": str(plan.ports.ingress),
        "STATUS_PORT": str(plan.ports.status),
        "SYNC_METRICS_PORT": str(plan.ports.metrics),
        "PYTHONUNBUFFERED": "1",
    }
    if plan.dynamodb_url is not None:
        env["DYNAMODB_ENDPOINT_URL"] = plan.dynamodb_url
    if plan.webhook_secret_generated is not None:
        env["WEBHOOK_SECRET"] = plan.webhook_secret_generated
    if plan.sandbox:
        for number in SITES:
            env |= {
                f"JIRA_{number}_BASE_URL": plan.site_urls[number],
                f"JIRA_{number}_USERNAME": SANDBOX_EMAIL,
                f"JIRA_{number}_API_TOKEN": SANDBOX_TOKEN,
            }
    return env


# The sandbox's sync account: project admin on site 1 (its edits send no notification
# emails), a plain user on site 2 (JIRA refuses it notifyUsers=false; the sync notices
# and edits with notifications). The emulator's own default is the strict one, a user.
SANDBOX_ROLES: dict[int, str] = {1: "project-admin", 2: "user"}


def emulator_env(plan: Plan, number: SiteNumber, base: Mapping[str, str]) -> dict[str, str]:
    env = child_env(plan, base)
    secret = plan.webhook_secrets[number]
    if secret is not None:
        env["EMULATOR_WEBHOOK_SECRET"] = secret
    return env


def commands(plan: Plan, env_file: Path, run_dir: Path, store: str) -> list[tuple[str, list[str]]]:
    """``(name, argv)`` of each child, in start order."""
    me = [sys.executable, "-m", "jira_sync"]
    config = ["--env-file", str(env_file)]
    emulators = [(f"jira{n}", [*me, *emulator_args(plan, n)]) for n in SITES if plan.sandbox]
    ingress = ["ingress", *config, "--host", plan.ingress_host, "--port", str(plan.ports.ingress)]
    worker = ["worker", *config, "--store", store, "--data-dir", str(run_dir / "worker-data")]
    status = ["--host", plan.status_host, "--port", str(plan.ports.status)]
    return [
        *emulators,
        ("ingress", [*me, *ingress]),
        ("worker", [*me, *worker]),
        ("projections", [*me, "projections", *config, *status]),
    ]


def children(
    plan: Plan, env_file: Path, run_dir: Path, store: str, base: Mapping[str, str]
) -> list[tuple[str, list[str], dict[str, str]]]:
    """``(name, argv, environment)`` of each child, in start order (``commands``): every
    child gets ``child_env``, an emulator its site's webhook secret on top."""
    emulators: dict[str, SiteNumber] = {f"jira{number}": number for number in SITES}
    return [
        (name, argv, emulator_env(plan, emulators[name], base))
        if name in emulators
        else (name, argv, child_env(plan, base))
        for name, argv in commands(plan, env_file, run_dir, store)
    ]


def emulator_args(plan: Plan, number: SiteNumber) -> list[str]:
    """``jira-sync emulator`` for site ``number``, wired to the ingress."""
    return [
        "emulator",
        "--role",
        SANDBOX_ROLES[number],
        "--port",
        str(plan.ports.site(number)),
        "--project",
        plan.project_keys[number],
        "--webhook-url",
        plan.webhook_url(number),
    ]


def create_issue_body(project_key: str, summary: str, **more: object) -> dict[str, object]:
    fields = {"project": {"key": project_key}, "issuetype": {"name": "Task"}, "summary": summary}
    return {"fields": fields | more}


def search_body(project_key: str) -> dict[str, object]:
    return {
        "jql": f"project = {project_key} ORDER BY created DESC",
        "fields": ["summary", "status"],
        "maxResults": 20,
    }
