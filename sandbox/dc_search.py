"""A Data Center site's search, ``/rest/api/2/search`` (POST and GET): offset paging with
``startAt``, ``maxResults`` and ``total``; no ``/search/jql``, no ``nextPageToken``.

``maxResults`` defaults to 50 and is capped at 1000 (``jira.search.views.default.max``);
the answer says the size used. Users in JQL are usernames or keys (``assignee = alice``).
Absent ``fields`` means every navigable field (Data Center's default ``*navigable``).
JQL, visibility and index lag: as Cloud's (``sandbox.search``).

No issue ``properties``: Data Center's search takes ``jql``, ``startAt``, ``maxResults``,
``fields``, ``expand`` and ``validateQuery`` only (the POST body of jira.js's Data Center
``searchUsingSearchRequest``; returning issue properties from search is an open
suggestion, https://jira.atlassian.com/browse/JRASERVER-62898). Any other key of a POST
body (``properties``, Cloud's ``fieldsByKeys``) is refused as Jackson refuses it,
``Unrecognized field ... not marked as ignorable`` (floralvikings/jira-connector#219); an
unknown GET parameter is ignored.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import dc_users, render
from sandbox.dc_routes import API2, issue_json
from sandbox.errors import BAD_PAYLOAD, bad_request
from sandbox.http import actor_of, csv, int_param, json_object, site_of
from sandbox.search import _matching
from sandbox.site import Site

ROUTES = web.RouteTableDef()
PAGE_DEFAULT, PAGE_MAX = 50, 1000
KNOWN = frozenset({"jql", "startAt", "maxResults", "fields", "expand", "validateQuery"})
BEAN = "com.atlassian.jira.rest.v2.search.SearchRequestBean"


@ROUTES.post(API2 + "/search")
async def search_post(request: web.Request) -> web.Response:
    body = await json_object(request)
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        message = f'Unrecognized field "{unknown[0]}" (Class {BEAN}), not marked as ignorable'
        raise bad_request(message)
    return web.json_response(search(site_of(request), actor_of(request).account_id, body))


@ROUTES.get(API2 + "/search")
async def search_get(request: web.Request) -> web.Response:
    query = request.query
    body: dict[str, Any] = {"jql": query.get("jql", "")}
    body["startAt"] = int_param(request, "startAt", 0)
    body["maxResults"] = int_param(request, "maxResults", PAGE_DEFAULT)
    if "fields" in query:
        body["fields"] = csv(query["fields"])
    return web.json_response(search(site_of(request), actor_of(request).account_id, body))


def search(site: Site, account_id: str, body: dict[str, Any]) -> dict[str, Any]:
    jql = body.get("jql") or ""
    start, size = body.get("startAt", 0), body.get("maxResults", PAGE_DEFAULT)
    fields = body.get("fields")
    numbers = (isinstance(start, int) and isinstance(size, int)) and not isinstance(size, bool)
    if not isinstance(jql, str) or not numbers or not isinstance(fields, list | None):
        raise bad_request(BAD_PAYLOAD)
    found = _matching(site, account_id, jql, [], dc_users.aliases(site.users))
    start, size = max(start, 0), min(max(size, 0), PAGE_MAX)
    chosen = render.select_fields(fields or ["*navigable"], site.catalog, everything=False)
    page = [issue_json(site, item, chosen) for item in found[start : start + size]]
    return {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": size,
        "total": len(found),
        "issues": page,
    }
