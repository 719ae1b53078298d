"""Per-issue extras: properties, remote links (upserted by ``globalId``), changelog pages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import render
from sandbox.errors import field_errors, not_found
from sandbox.http import int_param, issue_of, json_object, no_content, site_of
from sandbox.model import Issue, RemoteLink
from sandbox.property_routes import delete_one, get_one, put_one

ROUTES = web.RouteTableDef()
ISSUE = "/rest/api/3/issue/{issueIdOrKey}"
PROPERTY = ISSUE + "/properties/{propertyKey}"
CHANGELOG_PAGE = 100


@ROUTES.get(ISSUE + "/properties")
async def property_keys(request: web.Request) -> web.Response:
    issue, base = issue_of(request), site_of(request).catalog.base
    keys = [
        {"self": f"{base}{_issue_path(issue)}/properties/{key}", "key": key}
        for key in issue.properties
    ]
    return web.json_response({"keys": keys})


def _issue_path(issue: Issue) -> str:
    return f"/rest/api/3/issue/{issue.id}"


@ROUTES.put(PROPERTY)
async def set_property(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    answer = await put_one(issue.properties, request)
    site.index.record(issue, site.stamper.now_ms())  # search sees properties too
    return answer


@ROUTES.get(PROPERTY)
async def get_property(request: web.Request) -> web.Response:
    return get_one(issue_of(request).properties, request)


@ROUTES.delete(PROPERTY)
async def delete_property(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    answer = delete_one(issue.properties, request)
    site.index.record(issue, site.stamper.now_ms())
    return answer


@ROUTES.get(ISSUE + "/remotelink")
async def remote_links(request: web.Request) -> web.Response:
    issue, base = issue_of(request), site_of(request).catalog.base
    global_id = request.query.get("globalId")
    if global_id is None:
        return web.json_response([_link_json(issue, link, base) for link in issue.remote_links])
    link = _by_global_id(issue, global_id)
    if link is None:
        raise not_found("No remote link with the given global ID was found.")
    return web.json_response(_link_json(issue, link, base))


@ROUTES.post(ISSUE + "/remotelink")
async def upsert_remote_link(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    body = await json_object(request)
    _check_link(body)
    global_id = body.get("globalId")
    link = _by_global_id(issue, global_id) if global_id else None
    status = 200 if link is not None else 201
    if link is None:
        link = RemoteLink(int(site.next_id("link")), global_id, {})
        issue.remote_links.append(link)
    link.body = {key: body[key] for key in ("application", "relationship", "object") if key in body}
    self_url = f"{site.catalog.base}{_issue_path(issue)}/remotelink/{link.id}"
    return web.json_response({"id": link.id, "self": self_url}, status=status)


@ROUTES.delete(ISSUE + "/remotelink")
async def delete_remote_link(request: web.Request) -> web.Response:
    issue = issue_of(request)
    link = _by_global_id(issue, request.query.get("globalId", ""))
    if link is None:
        raise not_found("No remote link with the given global ID was found.")
    issue.remote_links.remove(link)
    return no_content()


def _check_link(body: dict[str, Any]) -> None:
    target = body.get("object")
    if not isinstance(target, dict):
        raise field_errors({"object": "'object' is required."})
    errors = {
        name: f"'{name}' is required."
        for name in ("url", "title")
        if not isinstance(target.get(name), str) or not target[name]
    }
    if errors:
        raise field_errors(errors)


def _by_global_id(issue: Issue, global_id: str | None) -> RemoteLink | None:
    return next((link for link in issue.remote_links if link.global_id == global_id), None)


def _link_json(issue: Issue, link: RemoteLink, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": link.id,
        "self": f"{base}{_issue_path(issue)}/remotelink/{link.id}",
    }
    if link.global_id is not None:
        body["globalId"] = link.global_id
    return body | link.body


@ROUTES.get(ISSUE + "/changelog")
async def changelog_page(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", CHANGELOG_PAGE), 1), CHANGELOG_PAGE)
    page = issue.changelog[start : start + size]
    here = f"{site.catalog.base}{_issue_path(issue)}/changelog"
    body: dict[str, Any] = {
        "self": f"{here}?maxResults={size}&startAt={start}",
        "maxResults": size,
        "startAt": start,
        "total": len(issue.changelog),
        "isLast": start + size >= len(issue.changelog),
        "values": [render.history(group, site.users, site.catalog.base) for group in page],
    }
    if not body["isLast"]:
        body["nextPage"] = f"{here}?maxResults={size}&startAt={start + size}"
    return web.json_response(body)
