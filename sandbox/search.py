"""``/rest/api/3/search/jql`` (enhanced search) and the removed ``/rest/api/3/search`` (410).

Answers ``{issues, nextPageToken, isLast}``: no total, the token omitted on the last
page, only ``id`` per issue unless ``fields`` asks for more, at most 100 per page.
Issues the caller may not see (``sandbox.security``) are left out, as on JIRA.
The index may lag behind writes (``Faults.search_lag``); ``reconcileIssues`` ids are
read fresh, as JIRA's read-after-write option promises.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox import render
from sandbox.errors import BAD_PAYLOAD, bad_request
from sandbox.http import actor_of, csv, json_object, site_of
from sandbox.jql import JqlError, parse
from sandbox.jql_eval import Context, check, matches, ordered
from sandbox.model import Snapshot
from sandbox.site import Site

ROUTES = web.RouteTableDef()
PAGE_DEFAULT, PAGE_MAX = 50, 100
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


@ROUTES.route("*", "/rest/api/3/search")
async def removed_search(request: web.Request) -> web.Response:
    return web.json_response({"errorMessages": [REMOVED], "errors": {}}, status=410)


@ROUTES.post("/rest/api/3/search/jql")
async def search_post(request: web.Request) -> web.Response:
    body = await json_object(request)
    return web.json_response(search(site_of(request), actor_of(request).account_id, body))


@ROUTES.get("/rest/api/3/search/jql")
async def search_get(request: web.Request) -> web.Response:
    query = request.query
    body: dict[str, Any] = {"jql": query.get("jql", "")}
    for name in ("fields", "properties", "reconcileIssues"):
        if name in query:
            body[name] = csv(query[name])
    if "reconcileIssues" in body:
        body["reconcileIssues"] = [int(v) for v in body["reconcileIssues"] if v.isdigit()]
    if "nextPageToken" in query:
        body["nextPageToken"] = query["nextPageToken"]
    if "maxResults" in query:
        body["maxResults"] = _int(query["maxResults"])
    return web.json_response(search(site_of(request), actor_of(request).account_id, body))


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise bad_request(f"The value '{text}' is not valid for parameter 'maxResults'.") from None


def search(site: Site, account_id: str, body: dict[str, Any]) -> dict[str, Any]:
    jql, size = body.get("jql", ""), body.get("maxResults", PAGE_DEFAULT)
    fields = body.get("fields", [])
    if not isinstance(jql, str) or not isinstance(size, int) or not isinstance(fields, list):
        raise bad_request(BAD_PAYLOAD)
    found = _matching(site, account_id, jql, body.get("reconcileIssues") or [])
    start = _offset(body.get("nextPageToken"), jql)
    size = min(max(size, 1), PAGE_MAX)
    page = found[start : start + size]
    answer: dict[str, Any] = {"issues": [_issue(site, issue, body) for issue in page]}
    if start + size < len(found):
        answer["nextPageToken"] = _token(start + size, jql)
    answer["isLast"] = start + size >= len(found)
    return answer


def _matching(
    site: Site,
    account_id: str,
    jql: str,
    reconcile: list[int],
    people: Mapping[str, str] | None = None,
) -> list[Snapshot]:
    now = site.stamper.now_ms()
    context = Context(
        site.config.project_key,
        _statuses(site),
        frozenset(issue.key for issue in site.issues.values()),
        frozenset(site.issues),
        now,
        account_id,
        frozenset(site.catalog.projects) | {i for i, _ in site.catalog.projects.values()},
        site.key_ids(),
        people or {},
    )
    try:
        query = parse(jql)
        check(query, context)
        visible = _visible(site, now, {str(i) for i in reconcile})
        visible = [s for s in visible if site.security.can_see(account_id, s.fields)]
        hits = [issue for issue in visible if query.where and matches(query.where, issue, context)]
        return ordered(hits, query.order)
    except JqlError as error:
        raise bad_request(str(error)) from None


def _visible(site: Site, now_ms: int, fresh_ids: set[str]) -> list[Snapshot]:
    lag_ms = int(site.faults.search_lag * 1000)
    lagging = {s.id: s for s in site.index.visible(now_ms - lag_ms) if s.id not in fresh_ids}
    fresh = [site.issues[i].snapshot() for i in fresh_ids if i in site.issues]
    return list(lagging.values()) + fresh


def _statuses(site: Site) -> dict[str, str]:
    names = {status.name.lower(): status.id for status in site.workflow.statuses}
    return names | {status.id: status.id for status in site.workflow.statuses}


def _issue(site: Site, issue: Snapshot, body: dict[str, Any]) -> dict[str, Any]:
    requested = body.get("fields")
    properties = body.get("properties") or None
    if (requested is None or requested == ["id"]) and not properties:
        return {"id": issue.id}
    fields = render.select_fields(requested, site.catalog, everything=False)
    return render.issue(issue, site.catalog.base, fields, properties)


def _token(offset: int, jql: str) -> str:
    raw = json.dumps({"o": offset, "q": _fingerprint(jql)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: Any, jql: str) -> int:
    if token is None:
        return 0
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded))
        if decoded["q"] == _fingerprint(jql):
            return int(decoded["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise bad_request("The provided next page token is invalid or expired.")


def _fingerprint(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:16]
