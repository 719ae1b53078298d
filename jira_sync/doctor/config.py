"""``jira-sync doctor``: what the settings alone tell (no I/O but the mapping file's
existence)."""

from __future__ import annotations

from typing import Literal

from jira_sync.doctor.report import Finding, fail, ok, warn
from streams.connections import Connection, ConnectionsError, load_connections
from streams.jira.sites import SANDBOX_URLS
from streams.settings import ConfigError, Settings
from streams.sync.mapping import MappingError, load_mapping

CHECK = "configuration"
SITES: tuple[Literal[1, 2], ...] = (1, 2)
CREDENTIALS = "JIRA_{n}_BASE_URL, JIRA_{n}_USERNAME and JIRA_{n}_API_TOKEN"


def invalid(error: ConfigError) -> Finding:
    """The settings cannot be built: nothing else can be checked."""
    detail = "invalid: " + "; ".join(error.problems)
    return fail(CHECK, detail, "correct the variables named (see .env.example for each format)")


def config_findings(settings: Settings) -> list[Finding]:
    findings = [ok(CHECK, mode(settings))]
    findings += [f for n in SITES if (f := _half_sandbox(settings, n)) is not None]
    findings += _same_project(settings)
    findings += _webhook_secrets(settings)
    findings += _api_key(settings)
    findings += _mapping_file(settings)
    return findings


def mode(settings: Settings) -> str:
    if settings.sandbox:
        urls = " and ".join(SANDBOX_URLS.values())
        return f"valid; sandbox mode: the emulated sites at {urls}"
    sites = [settings.site(n) for n in SITES]
    if settings.sync_connections_file is not None:
        urls = "; ".join(f"site {s.number} {s.base_url}" for s in sites)
        return f"valid; {urls}; projects: see connections"
    described = "; ".join(f"site {s.number} {s.base_url} project {s.project_key}" for s in sites)
    return f"valid; {described}"


def _half_sandbox(settings: Settings, number: Literal[1, 2]) -> Finding | None:
    other: Literal[1, 2] = 2 if number == 1 else 1
    if settings.site(number).configured or not settings.site(other).configured:
        return None
    detail = f"site {number} has no credentials: the emulator at {SANDBOX_URLS[number]} is used"
    return warn(CHECK, detail, "set " + CREDENTIALS.format(n=number))


def _same_project(settings: Settings) -> list[Finding]:
    one, two = settings.site(1), settings.site(2)
    if (one.base_url, one.project_key) != (two.base_url, two.project_key) or settings.sandbox:
        return []
    detail = (
        f"both sites name project {one.project_key} on {one.base_url}: it would sync with itself"
    )
    return [fail(CHECK, detail, "set JIRA_2_BASE_URL or JIRA_2_PROJECT_KEY to the other side")]


def _webhook_secrets(settings: Settings) -> list[Finding]:
    missing = [n for n in SITES if settings.webhook_secret_for(n) is None]
    if not missing:
        return [ok("webhook secret", "set for " + " and ".join(f"site {n}" for n in SITES))]
    names = " or ".join(f"WEBHOOK_SECRET_{n}" for n in missing)
    detail = (
        f"none for site(s) {', '.join(map(str, missing))}: `jira-sync ingress` refuses to start"
    )
    fix = f"set WEBHOOK_SECRET (or {names}) to the secret entered in the JIRA webhook"
    if settings.sandbox:
        return [warn("webhook secret", detail + " (`jira-sync up` makes its own)", fix)]
    return [fail("webhook secret", detail, fix)]


def _api_key(settings: Settings) -> list[Finding]:
    if settings.management_api_key is not None:
        return [ok("management API key", "set")]
    detail = "MANAGEMENT_API_KEY is not set: /status, /syncs and POST /manual-sync answer 401"
    fix = "set MANAGEMENT_API_KEY to a long random value, e.g. `openssl rand -hex 24`"
    return [warn("management API key", detail, fix)]


def _mapping_file(settings: Settings) -> list[Finding]:
    """The connections file (when set) and every connection's mapping file, read."""
    try:
        connections = load_connections(settings)
    except ConnectionsError as error:
        return [fail("connections", str(error), "correct the file, or SYNC_CONNECTIONS_FILE")]
    findings = []
    if settings.sync_connections_file is not None:
        listed = "; ".join(f"{c.name} ({c.projects[1]} <-> {c.projects[2]})" for c in connections)
        findings.append(ok("connections", f"{len(connections)}: {listed}"))
    for connection in connections:
        findings += _mapping_of(connection, settings.sync_connections_file is not None)
    return findings


def _mapping_of(connection: Connection, named: bool) -> list[Finding]:
    check = f"{connection.name} mapping file" if named else "mapping file"
    if connection.mapping is None:
        return []
    try:
        mapping = load_mapping(connection.mapping)
    except MappingError as error:
        return [fail(check, str(error), "correct the file, or where it is named")]
    customs = ", ".join(spec.name for spec in mapping.custom_fields) or "none"
    return [ok(check, f"{connection.mapping} read; custom fields: {customs}")]
