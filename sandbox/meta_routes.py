"""Metadata: fields (site-specific custom ids), priorities, the project with its components
and versions, users (hidden emails left out), ``/myself`` and ``/serverInfo``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.clock import jira_time
from sandbox.errors import bad_request, not_found
from sandbox.http import actor_of, int_param, json_object, site_of
from sandbox.site import Site

ROUTES = web.RouteTableDef()
PROJECT = "/rest/api/3/project/{projectIdOrKey}"


@ROUTES.get("/rest/api/3/field")
async def fields(request: web.Request) -> web.Response:
    catalog = site_of(request).catalog
    return web.json_response([spec.details() for spec in catalog.fields.values()])


@ROUTES.get("/rest/api/3/priority")
async def priorities(request: web.Request) -> web.Response:
    """Every priority of the site; the default one says ``isDefault`` (see
    https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-priorities/)."""
    catalog = site_of(request).catalog
    default = catalog.default_priority()["id"]
    return web.json_response(
        [
            value | {"description": value["name"], "isDefault": value["id"] == default}
            for value in catalog.values("priority")
        ]
    )


def project_site(request: web.Request) -> Site:
    """The site, when ``{projectIdOrKey}`` names one of its projects (key or id), else 404."""
    return site_and_project(request)[0]


def site_and_project(request: web.Request) -> tuple[Site, str]:
    """The site and the key of its project ``{projectIdOrKey}`` names, else 404."""
    return site_of(request), project_named(site_of(request), request.match_info["projectIdOrKey"])


def project_named(site: Site, wanted: str) -> str:
    """The key of the site's project ``wanted`` (its key or id): 404 as JIRA for no project."""
    key = site.catalog.project_key_of(wanted)
    if key is None:
        raise not_found(f"No project could be found with key '{wanted}'.")
    return key


@ROUTES.get(PROJECT)
async def project(request: web.Request) -> web.Response:
    return web.json_response(project_details(*site_and_project(request)))


def project_details(site: Site, key: str | None = None) -> dict[str, Any]:
    """The ``Project`` of ``GET /project/{projectIdOrKey}``: everything expanded."""
    catalog = site.catalog
    lead = site.users.get(site.config.integration_account_id)
    body: dict[str, Any] = catalog.project_ref(key) | {
        "description": "",
        "style": "classic",
        "isPrivate": False,
        "assigneeType": "UNASSIGNED",
        "issueTypes": catalog.values("issuetype"),
        "components": _components(site, key),
        "versions": _versions(site, key),
        "properties": {},
    }
    if lead is not None:
        body["lead"] = lead.details(catalog.base)
    return body


def _components(site: Site, key: str | None) -> list[dict[str, Any]]:
    """The project's own components, each naming the project."""
    ref = site.catalog.project_ref(key)
    extra = {"project": ref["key"], "projectId": int(ref["id"])}
    extra |= {"assigneeType": "PROJECT_DEFAULT", "isAssigneeTypeValid": False}
    return [value | extra for value in site.catalog.values("components", key)]


def _versions(site: Site, key: str | None) -> list[dict[str, Any]]:
    return [value | {"overdue": False} for value in site.catalog.values("versions", key)]


@ROUTES.get(PROJECT + "/components")
async def components(request: web.Request) -> web.Response:
    return web.json_response(_components(*site_and_project(request)))


@ROUTES.get(PROJECT + "/versions")
async def versions(request: web.Request) -> web.Response:
    return web.json_response(_versions(*site_and_project(request)))


@ROUTES.post("/rest/api/3/component")
async def create_component(request: web.Request) -> web.Response:
    return await _create_named(request, "components", "component", "project")


@ROUTES.post("/rest/api/3/version")
async def create_version(request: web.Request) -> web.Response:
    return await _create_named(request, "versions", "version", "projectId")


async def _create_named(request: web.Request, kind: str, what: str, project: str) -> web.Response:
    """Project admins add components and versions; names are unique per project."""
    site, body = site_of(request), await json_object(request)
    name, owner = body.get("name"), str(body.get(project, body.get("project", "")))
    if not isinstance(name, str) or not name.strip():
        raise bad_request(f"The {what} name must not be empty.")
    key = project_named(site, owner)
    if site.catalog.find(kind, "name", name, key) is not None:
        raise bad_request(f"A {what} with the name {name} already exists in this project.")
    value = site.catalog.add(kind, name.strip(), key)
    return web.json_response(value, status=201)


@ROUTES.get("/rest/api/3/user/search")
async def user_search(request: web.Request) -> web.Response:
    site, query = site_of(request), request.query
    if "query" in query:
        found = site.users.search(query["query"])
    elif "accountId" in query:
        user = site.users.get(query["accountId"])
        found = [user] if user is not None else []
    else:
        raise bad_request("One of 'query', 'accountId' or 'property' has to be provided.")
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 50), 0), 1000)
    page = found[start : start + size]
    body = [user.details(site.catalog.base) | {"locale": "en_US"} for user in page]
    return web.json_response(body)


@ROUTES.get("/rest/api/3/myself")
async def myself(request: web.Request) -> web.Response:
    base = site_of(request).catalog.base
    body = actor_of(request).details(base, own=True) | {"locale": "en_US"}
    return web.json_response(body)


@ROUTES.get("/rest/api/3/serverInfo")
async def server_info(request: web.Request) -> web.Response:
    site = site_of(request)
    body = {
        "baseUrl": site.catalog.base,
        "displayUrl": site.catalog.base,
        "version": "1001.0.0-SNAPSHOT",
        "versionNumbers": [1001, 0, 0],
        "deploymentType": "Cloud",
        "buildNumber": 100_293,
        "buildDate": "2025-12-01T00:00:00.000+0000",
        "serverTime": jira_time(site.stamper.now_ms()),
        "scmInfo": "jira-sync-sandbox",
        "serverTitle": "Jira",
    }
    return web.json_response(body)
