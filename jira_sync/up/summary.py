"""What ``jira-sync up`` prints once every child answers: where things are, the credentials,
and how to try them (curl lines for the sandbox, the webhooks to register for real sites).
Pure: the plan in, the text out."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path

from jira_sync.up.plan import (
    DEMO_TOKEN,
    DEMO_USER,
    SITES,
    WEBHOOK_EVENTS,
    Plan,
    create_issue_body,
    search_body,
)
from streams.jira.sites import SANDBOX_EMAIL, SANDBOX_TOKEN


def summary(plan: Plan, pids: Mapping[str, int], run_dir: Path, seeded: list[str]) -> str:
    """What ``up`` prints once everything answers: where things are, and how to try them."""
    mode = "sandbox (two emulated JIRA sites)" if plan.sandbox else "real JIRA sites"
    lines = [f"jira-sync up: {mode}; Ctrl-C stops everything", ""]
    lines += _addresses(plan)
    lines += _secrets(plan)
    processes = ", ".join(f"{name} {pid}" for name, pid in pids.items())
    lines += [
        f"  logs           {run_dir}/*.log",
        f"  processes      {processes}   (recorded in {run_dir / 'up.json'})",
        "",
    ]
    lines += _try_the_sandbox(plan, seeded) if plan.sandbox else _register_webhooks(plan)
    key_header = _key_header(plan)
    lines += [
        "  # the sync status",
        f"  curl -s -H {key_header} {plan.status_url}/status",
        f"  curl -s -H {key_header} '{plan.status_url}/syncs?state=synced&limit=20'",
        "",
        "jira-sync up: ready",
    ]
    return "\n".join(lines)


def _addresses(plan: Plan) -> list[str]:
    lines = []
    for number in SITES:
        url, key = plan.site_urls[number], plan.project_keys[number]
        lines.append(f"  JIRA site {number}    {url}   project {key}")
    if plan.sandbox:
        lines.append(
            f"                 sync account {SANDBOX_EMAIL} / {SANDBOX_TOKEN}; people "
            f"{DEMO_USER} / {DEMO_TOKEN}, bob@example.com / bob-token"
        )
    return [
        *lines,
        f"  ingress        {plan.ingress_url}   webhooks /webhook/jira1 and /webhook/jira2; "
        "/health, /metrics, POST /manual-sync",
        f"  status API     {plan.status_url}   /status, /syncs?state=..., /syncs/{{sync id}}",
        *([f"  worker metrics {plan.metrics_url}   Prometheus"] if plan.metrics_url else []),
        f"  Kafka          {plan.kafka}   topics {plan.topic_prefix}.*",
        f"  DynamoDB       {plan.dynamodb_url or 'AWS (boto3 default chain)'}   table {plan.table}",
    ]


def _shows_key(plan: Plan) -> bool:
    """The API key is printed when ``up`` chose it or the sandbox runs (no secret to keep)."""
    return plan.sandbox or plan.api_key_generated


def _secrets(plan: Plan) -> list[str]:
    lines = []
    if _shows_key(plan):
        origin = "generated for this run" if plan.api_key_generated else "MANAGEMENT_API_KEY"
        lines.append(f"  API key        {plan.api_key}   ({origin}; header X-API-Key)")
    else:
        lines.append("  API key        MANAGEMENT_API_KEY of your configuration (header X-API-Key)")
    if plan.sandbox and plan.webhook_secret_generated is not None:
        lines.append(f"  webhook secret {plan.webhook_secret_generated}   (generated for this run)")
    return lines


def _key_header(plan: Plan) -> str:
    if _shows_key(plan):
        return shlex.quote(f"X-API-Key: {plan.api_key}")
    return '"X-API-Key: $MANAGEMENT_API_KEY"'


def _try_the_sandbox(plan: Plan, seeded: list[str]) -> list[str]:
    lines = [f"Seeded on site 1: {', '.join(seeded)}", ""] if seeded else []
    site1, site2 = plan.site_urls[1], plan.site_urls[2]
    auth = f"{DEMO_USER}:{DEMO_TOKEN}"
    create = create_issue_body(plan.project_keys[1], "Hello from site 1")
    search = search_body(plan.project_keys[2])
    return [
        *lines,
        "Try it:",
        "  # create an issue on site 1",
        "  " + _curl_json("POST", f"{site1}/rest/api/3/issue", auth, create),
        "  # a few seconds later it is on site 2",
        "  " + _curl_json("POST", f"{site2}/rest/api/3/search/jql", auth, search),
    ]


def _register_webhooks(plan: Plan) -> list[str]:
    lines = [
        "Register one webhook per site (JIRA settings > System > WebHooks) with the secret",
        "WEBHOOK_SECRET (or WEBHOOK_SECRET_1/_2), the JQL shown and the events",
        f"  {', '.join(WEBHOOK_EVENTS)}",
    ]
    for number in SITES:
        jql = f"project = {plan.project_keys[number]}"
        lines.append(f"  site {number}: {plan.webhook_url(number)}   JQL: {jql}")
    return [
        *lines,
        "JIRA Cloud must reach these URLs: expose the ingress (reverse proxy, tunnel) and",
        "register the public address with the same paths.",
        "",
        "Try it:",
    ]


def _curl_json(method: str, url: str, auth: str, body: object) -> str:
    return (
        f"curl -s -u {auth} -H 'Content-Type: application/json' -X {method} \\\n"
        f"      {url} \\\n      -d {shlex.quote(json.dumps(body))}"
    )
