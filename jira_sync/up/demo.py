"""Demo issues for the sandbox: created on site 1 through the REST API, so they sync."""

from __future__ import annotations

import time

from jira_sync.up.plan import DEMO_TOKEN, DEMO_USER, Plan, create_issue_body, search_body
from jira_sync.up.readiness import basic_auth, request_json
from streams.jira.adf import text_to_adf

DEMO_ISSUES = (
    (
        "Welcome to the jira-sync sandbox",
        "Created on site 1 by jira-sync up; its twin on site 2 was made by the sync.\n"
        "Edit either one and watch the other follow.",
        ["demo"],
    ),
    (
        "Printer on fire",
        "Paper jam in tray 2.\n* check the fuser\n* call facilities",
        ["demo", "ops"],
    ),
    ("Update the onboarding guide", "Add the new VPN steps.", ["demo", "docs"]),
)


def seed(plan: Plan) -> dict[str, str]:
    """Create the demo issues on site 1 as a person (alice); summary -> key."""
    created = {}
    for summary, description, labels in DEMO_ISSUES:
        body = create_issue_body(
            plan.project_keys[1], summary, description=text_to_adf(description), labels=labels
        )
        answer = request_json(
            "POST",
            f"{plan.site_urls[1]}/rest/api/3/issue",
            body,
            basic_auth(DEMO_USER, DEMO_TOKEN),
        )
        created[summary] = str(answer["key"])
    return created


def site_issues(plan: Plan, number: int) -> dict[str, str]:
    """The newest issues of a site's project: summary -> key."""
    answer = request_json(
        "POST",
        f"{plan.site_urls[number]}/rest/api/3/search/jql",
        search_body(plan.project_keys[number]),
        basic_auth(DEMO_USER, DEMO_TOKEN),
    )
    return {
        str(issue["fields"]["summary"]): str(issue["key"]) for issue in answer.get("issues", [])
    }


def wait_for_twins(plan: Plan, summaries: list[str], timeout: float) -> dict[str, str]:
    """Poll site 2 until an issue with each summary exists (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        found = {
            summary: key for summary, key in site_issues(plan, 2).items() if summary in summaries
        }
        if len(found) == len(summaries) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
