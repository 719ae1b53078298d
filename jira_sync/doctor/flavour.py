"""``site N flavour``: whether a site is the kind of JIRA it is configured as.

``JIRA_N_FLAVOUR`` says cloud (REST v3, ADF, accountIds) or datacenter (REST v2, wiki
markup, usernames); the site's ``serverInfo`` says which it is: ``deploymentType`` is
``Cloud`` on JIRA Cloud and ``Server`` or ``DataCenter`` on a self-managed site
(https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/serverInfo). A Cloud
client is asked on ``/rest/api/3``, which a Data Center site does not serve (404): that
answer is taken as "this is not Cloud", with the fix that says so.
"""

from __future__ import annotations

from typing import Any

from jira_sync.doctor.report import Finding, fail, ok
from jira_sync.doctor.rules import SiteView
from streams.jira.client import JiraClient
from streams.jira.errors import NotFound
from streams.settings import Flavour

SELF_MANAGED = ("Server", "DataCenter")
PAT_SINCE = (8, 14)  # personal access tokens arrived in JIRA Data Center 8.14


async def flavour(view: SiteView, configured: Flavour, client: JiraClient) -> list[Finding]:
    """One finding: the configured flavour against what the site says it is."""
    try:
        info = await client.server_info()
    except NotFound:
        if configured == "cloud":
            return [_mismatch(view, configured, "no REST API v3 (a Data Center or Server site)")]
        raise
    return [judged(view, configured, info)]


def judged(view: SiteView, configured: Flavour, info: dict[str, Any]) -> Finding:
    """The finding for a ``serverInfo`` answer (pure)."""
    kind = str(info.get("deploymentType") or "?")
    version = str(info.get("version") or "?")
    if (kind == "Cloud") != (configured == "cloud") or kind not in ("Cloud", *SELF_MANAGED):
        return _mismatch(view, configured, f"JIRA {kind} {version}")
    if kind == "Cloud":
        return ok(view.check("flavour"), "JIRA Cloud: REST v3, rich text as ADF, accountIds")
    numbers = tuple(n for n in info.get("versionNumbers") or [] if isinstance(n, int))
    tokens = "" if numbers[:2] >= PAT_SINCE else " (no personal access tokens before 8.14)"
    detail = f"JIRA {kind} {version}: REST v2, wiki markup, users by username{tokens}"
    return ok(view.check("flavour"), detail)


def _mismatch(view: SiteView, configured: Flavour, found: str) -> Finding:
    wanted = "cloud" if configured == "datacenter" else "datacenter"
    fix = f"set JIRA_{view.number}_FLAVOUR={wanted}"
    if view.sandbox:
        fix = f"start the emulator with --flavour {wanted}, or {fix}"
    return fail(view.check("flavour"), f"configured as {configured}, the site is {found}", fix)
