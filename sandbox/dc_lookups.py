"""A Data Center site's lookups under ``/rest/api/2``: fields, priorities, projects with
their statuses, components and versions, issue types, statuses, resolutions, issue links,
transitions and ``user/search``, in Data Center's shapes (``mypermissions`` has no users or
links: Cloud's handler as it is, ``emulator.DC_ROUTE_TABLES``).

Where the body is Cloud's, Cloud's handler answers and ``dc_answer`` gives it as Data
Center does (``dc_shape``): users by name and key (``sandbox.dc_users``), links to
``/rest/api/2``, no Cloud-only keys. The shapes follow the Data Center REST beans as
jira.js's Data Center client declares them (MrRefactoring/jira.js ``src/server/models``:
``Field`` has no ``key``, ``PriorityJson`` no ``isDefault``, ``IssueTypeJson`` no
``hierarchyLevel``, ``Project`` has ``archived``, ``Component`` a ``lead`` user and a
``leadUserName``).
"""

from __future__ import annotations

import json
from typing import Any, cast

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox import dc_users, issue_links, lookup_routes, meta_routes, transitions
from sandbox.dc_routes import API2, v2_copies, v2_links
from sandbox.errors import bad_request
from sandbox.http import csv, int_param, json_object, site_of
from sandbox.site import Site
from sandbox.users import User

ROUTES = web.RouteTableDef()
PROJECT = API2 + "/project/{projectIdOrKey}"
PROJECT_EXPAND = "description,lead,url,projectKeys"
NO_USERNAME = "The username query parameter was not provided"
USERS_WINDOW = 100  # startAt + maxResults reach the first 100 matches only


def dc_shape(site: Site, value: Any) -> Any:
    """``value`` as Data Center answers it: its users, links and keys (see the module)."""
    return v2_links(site.catalog.base, dc_users.translate(value, site.users, site.catalog.base))


def dc_answer(handler: Handler) -> Handler:
    """Cloud's ``handler``, its JSON answer in Data Center's shapes (``dc_shape``)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        raw = response.body if isinstance(response, web.Response) else None
        if not isinstance(raw, bytes) or not raw:
            return response
        shaped = dc_shape(site_of(request), json.loads(raw))
        return web.json_response(shaped, status=response.status)

    return answer


SHARED: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/project/{projectIdOrKey}/statuses", lookup_routes.project_statuses),
    ("GET", "/project/{projectIdOrKey}/components", meta_routes.components),
    ("GET", "/project/{projectIdOrKey}/versions", meta_routes.versions),
    ("POST", "/version", meta_routes.create_version),
    ("GET", "/issuetype", lookup_routes.issue_types),
    ("GET", "/status", lookup_routes.statuses),
    ("GET", "/issueLinkType", issue_links.get_link_types),
    ("POST", "/issueLink", issue_links.create_link),
    ("GET", "/issueLink/{linkId}", issue_links.get_link),
    ("DELETE", "/issueLink/{linkId}", issue_links.delete_link),
)
for _method, _path, _handler in SHARED:
    ROUTES.route(_method, API2 + _path)(dc_answer(_handler))
for _route in v2_copies(transitions.ROUTES):  # transitions and the resolutions
    ROUTES.route(_route.method, _route.path)(dc_answer(cast(Handler, _route.handler)))


@ROUTES.get(API2 + "/field")
async def fields(request: web.Request) -> web.Response:
    """Every field with its ``schema``; Data Center's ``Field`` has no ``key``."""
    catalog = site_of(request).catalog
    shown = [spec.details() for spec in catalog.fields.values()]
    return web.json_response([{k: v for k, v in f.items() if k != "key"} for f in shown])


@ROUTES.get(API2 + "/priority")
async def priorities(request: web.Request) -> web.Response:
    site = site_of(request)
    shown = [value | {"description": value["name"]} for value in site.catalog.values("priority")]
    return web.json_response(dc_shape(site, shown))


@ROUTES.get(PROJECT)
async def project(request: web.Request) -> web.Response:
    return web.json_response(project_details(*meta_routes.site_and_project(request)))


def project_details(site: Site, key: str) -> dict[str, Any]:
    """Data Center's ``Project``: its lead a Data Center user, ``archived``, no Cloud keys."""
    body = meta_routes.project_details(site, key)
    del body["properties"]
    body |= {"expand": PROJECT_EXPAND, "archived": False, "projectKeys": [key]}
    body["components"] = [c | {"archived": False} for c in body["components"]]
    return dict(dc_shape(site, body))


@ROUTES.get(API2 + "/project")
async def projects(request: web.Request) -> web.Response:
    """Every project; ``expand`` adds ``description``, ``lead``, ``projectKeys``."""
    site, expand = site_of(request), csv(request.query.get("expand")) or []
    listed = [_listed(site, key, expand) for key in site.catalog.projects]
    return web.json_response(listed)


def _listed(site: Site, key: str, expand: list[str]) -> dict[str, Any]:
    full = project_details(site, key)
    names = ["expand", "self", "id", "key", "name", "avatarUrls", "projectTypeKey", "archived"]
    names += [name for name in ("description", "lead", "projectKeys") if name in expand]
    return {name: full[name] for name in names if name in full}


@ROUTES.post(API2 + "/component")
async def create_component(request: web.Request) -> web.Response:
    """Cloud's create, the lead given as ``leadUserName`` or ``lead: {name}|{key}``; an
    ``leadAccountId`` is not a field of Data Center's ``Component`` (400, as Jackson
    refuses unknown fields: floralvikings/jira-connector#219)."""
    site, body = site_of(request), await json_object(request)
    if "leadAccountId" in body:
        raise bad_request(_unrecognized("leadAccountId", "component.ComponentBean"))
    lead = _lead(site, body)
    response = await meta_routes._create_named(request, "components", "component", "project")
    created = json.loads(response.body) if isinstance(response.body, bytes) else {}
    stored = site.catalog.find("components", "id", str(created["id"]), _owner(site, body))
    if stored is not None and lead is not None:
        stored["lead"] = {"accountId": lead.account_id}
    return web.json_response(dc_shape(site, stored or created), status=response.status)


def _unrecognized(field: str, bean: str) -> str:
    return (
        f'Unrecognized field "{field}" (Class com.atlassian.jira.rest.v2.issue.{bean}), '
        "not marked as ignorable"
    )


def _lead(site: Site, body: dict[str, Any]) -> User | None:
    raw = body.get("lead")
    if "leadUserName" in body:
        raw = {"name": body["leadUserName"]}
    if raw is None:
        return None
    ref = dc_users.account_ref(site.users, "leadUserName", raw)
    return site.users.get(ref["accountId"])


def _owner(site: Site, body: dict[str, Any]) -> str:
    return meta_routes.project_named(site, str(body.get("project", "")))


@ROUTES.get(API2 + "/user/search")
async def user_search(request: web.Request) -> web.Response:
    """``username`` (required: 400 without it, as pycontribs jira's ``search_users`` relies
    on) matched as a prefix of the username, a word of the display name or the (visible)
    email; ``includeActive``/``includeInactive``; only the first 100 matches are reachable
    (jira.js ``FindUsers``: "The combination of maxResults and startAt is limited to the
    first 100 results")."""
    site, query = site_of(request), request.query
    if "username" not in query:
        raise bad_request(NO_USERNAME)
    wanted = query["username"].strip().casefold()
    found = [u for u in site.users.all() if wanted and _matches(u, wanted) and _wanted(request, u)]
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 50), 0), USERS_WINDOW)
    page = found[:USERS_WINDOW][start : start + size]
    return web.json_response([dc_users.details(user, site.catalog.base) for user in page])


def _matches(user: User, wanted: str) -> bool:
    words = user.display_name.casefold().split()
    if user.name.casefold().startswith(wanted) or any(w.startswith(wanted) for w in words):
        return True
    return user.display_name.casefold().startswith(wanted) or (
        user.email_visible and user.email.casefold().startswith(wanted)
    )


def _wanted(request: web.Request, user: User) -> bool:
    query = request.query
    active = query.get("includeActive", "true").lower() != "false"
    inactive = query.get("includeInactive", "false").lower() == "true"
    return active if user.active else inactive
