"""A Data Center site's REST API v2: ``serverInfo``, ``myself``, ``user``, issues, and
Cloud's own handlers under ``/rest/api/2`` where Data Center's bodies are the same
(transitions, issue and comment properties, remote links, delete).

Nothing under ``/rest/api/3`` is served: Data Center has no v3 (404). Rich text is wiki
markup kept as given (``sandbox.values.wiki_text``); users are ``{name, key}``
(``sandbox.dc_users``). Comments and search: ``sandbox.dc_comments``, ``sandbox.dc_search``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import dc_users, issue_routes, render, transitions
from sandbox.clock import jira_time
from sandbox.errors import BAD_PAYLOAD, bad_request, not_found
from sandbox.http import actor_of, csv, flag, issue_of, json_object, no_content, site_of
from sandbox.model import Issue, Snapshot
from sandbox.notify import discards, mailer_of
from sandbox.site import Site

ROUTES = web.RouteTableDef()
API2, API3 = "/rest/api/2", "/rest/api/3"
ISSUE = API2 + "/issue/{issueIdOrKey}"
CLOUD_ONLY = frozenset({"hierarchyLevel", "simplified", "style", "isPrivate", "isDefault"})
VERSION = (9, 12, 0)  # the Long Term Support release whose REST docs the behaviours cite
ROUTES.delete(ISSUE)(issue_routes.delete_issue)  # the same request and answer as Cloud's


@ROUTES.get(API2 + "/serverInfo")
async def server_info(request: web.Request) -> web.Response:
    site = site_of(request)
    body = {
        "baseUrl": site.catalog.base,
        "version": ".".join(map(str, VERSION)),
        "versionNumbers": list(VERSION),
        "deploymentType": "DataCenter",
        "buildNumber": 912000,
        "buildDate": "2023-11-28T00:00:00.000+0000",
        "serverTime": jira_time(site.stamper.now_ms()),
        "scmInfo": "jira-sync-sandbox",
        "serverTitle": "Jira",
    }
    return web.json_response(body)


@ROUTES.get(API2 + "/myself")
async def myself(request: web.Request) -> web.Response:
    base = site_of(request).catalog.base
    body = dc_users.details(actor_of(request), base, own=True) | {"locale": "en_US"}
    return web.json_response(body)


@ROUTES.get(API2 + "/user")
async def user(request: web.Request) -> web.Response:
    """``?username=`` or ``?key=``; 404 for an unknown one, as Data Center answers."""
    site, query = site_of(request), request.query
    if "username" in query:
        found, what = dc_users.by_name(site.users, query["username"]), query["username"]
    elif "key" in query:
        found, what = dc_users.by_key(site.users, query["key"]), query["key"]
    else:
        raise bad_request("Either the 'username' or the 'key' query parameter must be given.")
    if found is None:
        raise not_found(f"The user named '{what}' does not exist")
    return web.json_response(dc_users.details(found, site.catalog.base))


@ROUTES.post(API2 + "/issue")
async def create_issue(request: web.Request) -> web.Response:
    site = site_of(request)
    body = account_refs(site, await json_object(request))
    issue = site.create(actor_of(request), body)
    answer = {
        "id": issue.id,
        "key": issue.key,
        "self": f"{site.catalog.base}{API2}/issue/{issue.id}",
    }
    return web.json_response(answer, status=201)


@ROUTES.get(ISSUE)
async def get_issue(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    fields = render.select_fields(csv(request.query.get("fields")), site.catalog, everything=True)
    body = issue_json(site, issue, fields, csv(request.query.get("properties")))
    if "changelog" in (csv(request.query.get("expand")) or []):
        changelog = render.expanded_changelog(issue, site.users, site.catalog.base)
        changelog = dc_users.keyed_changelog(changelog, site.users)
        body["changelog"] = dc_users.translate(changelog, site.users, site.catalog.base)
        body["changelog"] = v2_links(site.catalog.base, body["changelog"])
    listed = transitions.expanded(site, issue, csv(request.query.get("expand")))
    if listed is not None:
        body["transitions"] = v2_links(site.catalog.base, listed)
    return web.json_response(body)


@ROUTES.put(ISSUE)
async def edit_issue(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    body = account_refs(site, await json_object(request))
    with mailer_of(request).quiet(discards(request, actor, issue.fields["project"]["key"])):
        site.edit(actor, issue, body)
    if not flag(request, "returnIssue", False):
        return no_content()
    fields = render.select_fields(None, site.catalog, everything=True)
    return web.json_response(issue_json(site, issue, fields))


def issue_json(
    site: Site, item: Issue | Snapshot, fields: list[str], properties: list[str] | None = None
) -> dict[str, Any]:
    """An issue as Data Center answers it: v2 links, users by name and key, wiki text."""
    base = site.catalog.base
    body = render.issue(item, base, fields, properties)
    body["self"] = f"{base}{API2}/issue/{item.id}"
    body["fields"] = v2_links(base, dc_users.translate(body["fields"], site.users, base))
    return body


def v2_links(base: str, value: Any) -> Any:
    """``value`` with links to ``/rest/api/3`` as ``/rest/api/2`` and without the keys only
    Cloud has (Data Center's beans, jira.js ``src/server/models``: ``IssueTypeJson`` has
    no ``hierarchyLevel``, ``PriorityJson`` no ``isDefault``, ``Project`` no ``style``,
    ``isPrivate`` or ``simplified``)."""
    if isinstance(value, list):
        return [v2_links(base, item) for item in value]
    if isinstance(value, dict):
        return {k: v2_links(base, v) for k, v in value.items() if k not in CLOUD_ONLY}
    cloud = base + API3 + "/"
    if isinstance(value, str) and value.startswith(cloud):
        return base + API2 + "/" + value.removeprefix(cloud)
    return value


def account_refs(site: Site, body: dict[str, Any]) -> dict[str, Any]:
    """The body with user fields' ``{name}``/``{key}`` as the site model's accountIds."""
    users = [spec.id for spec in site.catalog.fields.values() if spec.kind == "user"]
    fields, update = body.get("fields") or {}, body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise bad_request(BAD_PAYLOAD)
    fields = dict(fields)
    update = dict(update)
    for field in users:
        if field in fields:
            fields[field] = dc_users.account_ref(site.users, field, fields[field])
        if isinstance(update.get(field), list):
            update[field] = [_verbs(site, field, op) for op in update[field]]
    return body | {"fields": fields, "update": update}


def _verbs(site: Site, field: str, operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    return {verb: dc_users.account_ref(site.users, field, v) for verb, v in operation.items()}


def v2_copies(*tables: web.RouteTableDef, skip: frozenset[str] = frozenset()) -> list[web.RouteDef]:
    """Cloud routes whose bodies Data Center shares, under ``/rest/api/2`` (same handler)."""
    copies = []
    for table in tables:
        for route in table:
            if not isinstance(route, web.RouteDef) or not route.path.startswith(API3):
                continue
            if any(route.path.endswith(tail) for tail in skip):
                continue
            path = API2 + route.path.removeprefix(API3)
            copies.append(web.RouteDef(route.method, path, route.handler, route.kwargs))
    return copies
