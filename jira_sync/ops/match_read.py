"""What ``jira-sync match`` reads: every issue of each site's project (``POST
/rest/api/3/search/jql``, page by page with ``nextPageToken``), or of the project and the
operator's query with ``--rule jql``, made into the planner's ``Issue``.

The clients are the worker's (``streams.sync.prepare``): the site's burst limits scaled
by ``JIRA_RATE_LIMIT_SCALE`` and JIRA's 429s waited out and retried by the transport.
A ``field:NAME`` rule names a field by id (``customfield_10042``) or by its name on each
site (``Legacy key``): the two sites' ids may differ."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from jira_sync.ops.match_plan import Issue
from streams.jira.client import JiraClient
from streams.jira.models import Issue as JiraIssue
from streams.jira.models import parse_jira_time
from streams.jira.ratelimit import JIRA_CLOUD_BURST, SiteLimiter
from streams.jira.sites import open_client, site_auth
from streams.settings import Settings
from streams.sites import SITES, SiteNumber
from streams.sync.messages import LINK_PROPERTY

TEXT_KEYS = ("value", "name", "key", "displayName")  # what a select, user or issue shows


class MatchError(Exception):
    """The rule cannot be carried out against these sites; the message says why."""


@dataclass(frozen=True)
class Query:
    rule: str  # the planner's rule: ``field:NAME``, ``key-in-summary``, ``summary-created``
    where: dict[int, str]  # per site, what to add to ``project = KEY`` (empty: nothing)


def jql_of(project: str, where: str) -> str:
    """The bounded search of one side: the project, and the operator's query if any."""
    if "order by" in " ".join(where.casefold().split()):
        raise MatchError("--jql1/--jql2 take a condition without ORDER BY (issues come by id)")
    extra = f" AND ({where})" if where.strip() else ""
    return f'project = "{project}"{extra} ORDER BY id ASC'


@dataclass(frozen=True)
class Side:
    issues: list[Issue]
    has_field: bool  # the rule's field exists on this site (True for the other rules)


async def read_both(settings: Settings, query: Query) -> tuple[Side, Side]:
    """Both sides' issues, read at the same time; a field rule needs its field on at
    least one site."""
    one, two = await asyncio.gather(*(read_side(settings, site, query) for site in SITES))
    if not (one.has_field or two.has_field):
        name = query.rule.removeprefix("field:")
        raise MatchError(f"neither site has a field {name!r} (by id or by name)")
    return one, two


async def read_side(settings: Settings, site: SiteNumber, query: Query) -> Side:
    rates = {m: r * settings.jira_rate_limit_scale for m, r in JIRA_CLOUD_BURST.items()}
    timeout = settings.jira_request_timeout_seconds
    auth = site_auth(settings, site)
    async with open_client(auth, limiter=SiteLimiter(rates), request_timeout=timeout) as client:
        field_id = await field_id_of(client, query.rule)
        project = settings.site(site).project_key
        fields = ["summary", "created", *([field_id] if field_id else [])]
        jql = jql_of(project, query.where.get(site, ""))
        found = client.search(jql, fields=fields, properties=[LINK_PROPERTY])
        issues = [planned(issue, query.rule, field_id) async for issue in found]
    return Side(issues, field_id is not None or not query.rule.startswith("field:"))


async def field_id_of(client: JiraClient, rule: str) -> str | None:
    """The id of the rule's field on this site; None when the site has no such field
    (its issues then name nothing; the other side's field may still name them)."""
    if not rule.startswith("field:"):
        return None
    name = rule.removeprefix("field:").strip()
    known = await client.fields()
    by_id = [f for f in known if f.get("id") == name]
    by_name = [f for f in known if str(f.get("name", "")).casefold() == name.casefold()]
    chosen = by_id or by_name
    if len(chosen) > 1:
        ids = ", ".join(sorted(str(f.get("id")) for f in chosen))
        raise MatchError(f"{len(chosen)} fields are named {name!r} ({ids}): give the id")
    return str(chosen[0]["id"]) if chosen else None


def planned(issue: JiraIssue, rule: str, field_id: str | None) -> Issue:
    """The planner's view of a search result."""
    fields = issue.fields
    created = parse_jira_time(fields.get("created"))
    marker = issue.properties.get(LINK_PROPERTY)
    link = marker.get("pair_id") if isinstance(marker, dict) else None
    return Issue(
        key=issue.key or issue.id,
        summary=str(fields.get("summary") or ""),
        created=created.astimezone(UTC).isoformat() if created else "",
        fields={rule.removeprefix("field:"): text_of(fields.get(field_id))} if field_id else {},
        link=link if isinstance(link, str) else None,
        id=issue.id,
    )


def text_of(value: Any) -> str:
    """A field's value as text: a string as it is, a select or user by what it shows, a
    list item by item, a rich-text (ADF) document by its text nodes."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(text_of(item) for item in value)
    if not isinstance(value, dict):
        return str(value)
    shown = next((value[k] for k in TEXT_KEYS if isinstance(value.get(k), str)), None)
    if shown is not None:
        return str(shown)
    if value.get("type") == "text":
        return str(value.get("text", ""))
    return " ".join(text_of(node) for node in value.get("content") or [])
