"""``/rest/api/3/issue``: create, get (``expand=changelog``, ``transitions``), edit, delete."""

from __future__ import annotations

from aiohttp import web

from sandbox import render, transitions
from sandbox.http import (
    ISSUE_ROUTE,
    actor_of,
    csv,
    flag,
    issue_of,
    json_object,
    no_content,
    site_of,
)
from sandbox.notify import discards, mailer_of

ROUTES = web.RouteTableDef()


@ROUTES.post("/rest/api/3/issue")
async def create_issue(request: web.Request) -> web.Response:
    site = site_of(request)
    issue = site.create(actor_of(request), await json_object(request))
    body = {
        "id": issue.id,
        "key": issue.key,
        "self": f"{site.catalog.base}/rest/api/3/issue/{issue.id}",
    }
    return web.json_response(body, status=201)


@ROUTES.get(ISSUE_ROUTE)
async def get_issue(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    fields = render.select_fields(csv(request.query.get("fields")), site.catalog, everything=True)
    body = render.issue(issue, site.catalog.base, fields, csv(request.query.get("properties")))
    expand = csv(request.query.get("expand"))
    if "changelog" in (expand or []):
        body["changelog"] = render.expanded_changelog(issue, site.users, site.catalog.base)
    listed = transitions.expanded(site, issue, expand)
    if listed is not None:
        body["transitions"] = listed
    return web.json_response(body)


@ROUTES.put(ISSUE_ROUTE)
async def edit_issue(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    body = await json_object(request)
    with mailer_of(request).quiet(discards(request, actor, issue.fields["project"]["key"])):
        site.edit(actor, issue, body)
    if not flag(request, "returnIssue", False):
        return no_content()
    fields = render.select_fields(None, site.catalog, everything=True)
    return web.json_response(render.issue(issue, site.catalog.base, fields))


@ROUTES.delete(ISSUE_ROUTE)
async def delete_issue(request: web.Request) -> web.Response:
    site_of(request).delete(actor_of(request), issue_of(request))
    return no_content()
