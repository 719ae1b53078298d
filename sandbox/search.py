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
import uuid
import weakref
from collections import OrderedDict
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
CURSORS_KEPT = 64  # queries whose next pages are served from their first page's hits
_CURSORS: weakref.WeakKeyDictionary[Site, OrderedDict[str, list[str]]] = weakref.WeakKeyDictionary()
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
    start, cursor = _offset(body.get("nextPageToken"), jql)
    reconcile = body.get("reconcileIssues") or []
    ids = _cursors(site).get(cursor) if cursor else None
    if ids is None or cursor is None:  # a first page, or a cursor forgotten: all again
        found = _matching(site, account_id, jql, reconcile)
        ids, cursor = [issue.id for issue in found], uuid.uuid4().hex[:12]
        _remember(site, cursor, ids)
    size = min(max(size, 1), PAGE_MAX)
    page = _page(site, account_id, jql, ids[start : start + size], reconcile)
    answer: dict[str, Any] = {"issues": [_issue(site, issue, body) for issue in page]}
    if start + size < len(ids):
        answer["nextPageToken"] = _token(start + size, jql, cursor)
    answer["isLast"] = start + size >= len(ids)
    return answer


def _cursors(site: Site) -> OrderedDict[str, list[str]]:
    return _CURSORS.setdefault(site, OrderedDict())


def _remember(site: Site, cursor: str, ids: list[str]) -> None:
    """The ordered hits of a query's first page, for its next pages: each page then costs
    its own issues, not the whole query again (an emulator's economy; the pages show the
    issues as the index holds them when each page is asked for)."""
    cursors = _cursors(site)
    cursors[cursor] = ids
    while len(cursors) > CURSORS_KEPT:
        cursors.popitem(last=False)


def _page(
    site: Site, account_id: str, jql: str, ids: list[str], reconcile: list[int]
) -> list[Snapshot]:
    """The issues of ``ids`` still visible to the caller and matching ``jql`` (the index
    may have moved on since the first page)."""
    if not ids:
        return []
    wanted = set(ids)
    found = {s.id: s for s in _matching(site, account_id, jql, reconcile, only=wanted)}
    return [found[i] for i in ids if i in found]


def _matching(
    site: Site,
    account_id: str,
    jql: str,
    reconcile: list[int],
    people: Mapping[str, str] | None = None,
    only: set[str] | None = None,
) -> list[Snapshot]:
    """The issues ``jql`` finds (``only``: among these ids)."""
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
        visible = _visible(site, now, {str(i) for i in reconcile}, only)
        visible = [s for s in visible if site.security.can_see(account_id, s.fields)]
        hits = [issue for issue in visible if query.where and matches(query.where, issue, context)]
        return ordered(hits, query.order)
    except JqlError as error:
        raise bad_request(str(error)) from None


def _visible(
    site: Site, now_ms: int, fresh_ids: set[str], only: set[str] | None = None
) -> list[Snapshot]:
    lag_ms = int(site.faults.search_lag * 1000)
    if only is None:
        indexed = site.index.visible(now_ms - lag_ms)
    else:
        versions = (site.index.version(i, now_ms - lag_ms) for i in only)
        indexed = [version for version in versions if version is not None]
    lagging = {s.id: s for s in indexed if s.id not in fresh_ids}
    fresh = [site.issues[i].snapshot() for i in fresh_ids if i in site.issues]
    fresh = [s for s in fresh if only is None or s.id in only]
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


def _token(offset: int, jql: str, cursor: str) -> str:
    raw = json.dumps({"o": offset, "q": _fingerprint(jql), "c": cursor}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: Any, jql: str) -> tuple[int, str | None]:
    """Where a page starts, and the cursor of its query's first page (None: the first)."""
    if token is None:
        return 0, None
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded))
        if decoded["q"] == _fingerprint(jql):
            return int(decoded["o"]), str(decoded.get("c") or "") or None
    except (ValueError, KeyError, TypeError):
        pass
    raise bad_request("The provided next page token is invalid or expired.")


def _fingerprint(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:16]
