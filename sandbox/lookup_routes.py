"""The lookups scripts make: what the popular JIRA clients ask at start and in everyday
scripts (pycontribs ``jira``: ``projects()``, ``issue_types()``, ``statuses()``,
``resolutions()``, ``issue_link_types()``, ``user()``; ``jira.js``: ``searchProjects``,
``getIssueAllTypes``, ``getStatuses``, ``getResolutions``; ``go-jira``: ``Project.GetList``,
``Status.GetAllStatuses``, ``Resolution.GetList``, ``IssueLinkType.GetList``), answered in
the shapes of Atlassian's REST v3 description.

- ``GET /rest/api/3/project``: every project (deprecated, still answered by Cloud);
  ``expand=description,lead,issueTypes`` adds those.
- ``GET /rest/api/3/project/search``: a ``PageBeanProject`` (``startAt``, ``maxResults``
  default 50, ``keys``, ``query`` on key or name, case-insensitive).
- ``GET /rest/api/3/project/{projectIdOrKey}/statuses``: the statuses per issue type.
- ``GET /rest/api/3/issuetype``, ``/issuetype/{id}``, ``/issuetype/project?projectId=``.
- ``GET /rest/api/3/status``, ``/status/{idOrName}``, ``/statuscategory``: the workflow's.
- ``GET /rest/api/3/resolution``, ``/resolution/{id}``, ``/resolution/search``: read from
  the catalog's one list of resolutions (``Catalog.values("resolution")``).
- ``GET /rest/api/3/priority/{id}``, ``GET /rest/api/3/user?accountId=``.
- ``GET /rest/api/3/issueLinkType``: JIRA Cloud's default link types (listing only: the
  emulator does not link issues).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.errors import bad_request, not_found
from sandbox.http import csv, int_param, site_of
from sandbox.meta_routes import project_details, project_site
from sandbox.site import Site
from sandbox.workflow import CATEGORIES

ROUTES = web.RouteTableDef()
API = "/rest/api/3"
LISTED_EXPAND = "description,lead,issueTypes,url,projectKeys,permissions,insight"
EXPANDABLE = ("description", "lead", "issueTypes")
NO_CATEGORY = (1, "No Category", "medium-gray")
# JIRA Cloud's default issue link types: id, name, inward, outward.
LINK_TYPES = (
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
)
NO_USER = "Specified user does not exist or you do not have required permissions"


def listed_project(site: Site, expand: list[str] | None, key: str | None = None) -> dict[str, Any]:
    """The project as the project lists give it: the reference, plus what ``expand`` asks."""
    full = project_details(site, key)
    body = site.catalog.project_ref(key) | {
        "expand": LISTED_EXPAND,
        "style": full["style"],
        "isPrivate": full["isPrivate"],
        "properties": {},
    }
    return body | {name: full[name] for name in expand or [] if name in EXPANDABLE and name in full}


@ROUTES.get(f"{API}/project")
async def projects(request: web.Request) -> web.Response:
    site, expand = site_of(request), csv(request.query.get("expand"))
    return web.json_response([listed_project(site, expand, key) for key in site.catalog.projects])


@ROUTES.get(f"{API}/project/search")
async def project_search(request: web.Request) -> web.Response:
    site, query = site_of(request), request.query
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 50), 0), 100)
    keys, text = query.getall("keys", []), query.get("query")
    found = [key for key in site.catalog.projects if _matches(site, key, keys, text)]
    expand = csv(query.get("expand"))
    values = [listed_project(site, expand, key) for key in found[start : start + size]]
    body = {
        "self": str(request.url),
        "maxResults": size,
        "startAt": start,
        "total": len(found),
        "isLast": start + size >= len(found),
        "values": values,
    }
    return web.json_response(body)


def _matches(site: Site, project: str, keys: list[str], text: str | None) -> bool:
    """Whether project ``project`` is one ``keys`` (keys or ids) and ``text`` ask for."""
    wanted = {key.upper() for raw in keys for key in csv(raw) or []}
    project_id, name = site.catalog.projects[project]
    if wanted and not wanted & {project, project_id}:
        return False
    if not text:
        return True
    fold = text.casefold()
    return fold in project.casefold() or fold in name.casefold()


@ROUTES.get(f"{API}/project/{{projectIdOrKey}}/statuses")
async def project_statuses(request: web.Request) -> web.Response:
    site = project_site(request)
    statuses = _statuses(site)
    body = [
        {
            "self": f"{site.catalog.base}{API}/issueType/{kind['id']}",
            "id": kind["id"],
            "name": kind["name"],
            "subtask": kind["subtask"],
            "statuses": statuses,
        }
        for kind in site.catalog.values("issuetype")
    ]
    return web.json_response(body)


@ROUTES.get(f"{API}/issuetype")
async def issue_types(request: web.Request) -> web.Response:
    return web.json_response(site_of(request).catalog.values("issuetype"))


@ROUTES.get(f"{API}/issuetype/project")
async def project_issue_types(request: web.Request) -> web.Response:
    site, wanted = site_of(request), request.query.get("projectId")
    if wanted is None:
        raise bad_request("The projectId query parameter is required.")
    if wanted not in {i for i, _ in site.catalog.projects.values()}:
        raise not_found(f"No project could be found with id '{wanted}'.")
    return web.json_response(site.catalog.values("issuetype"))


@ROUTES.get(f"{API}/issuetype/{{id}}")
async def issue_type(request: web.Request) -> web.Response:
    wanted = request.match_info["id"]
    found = site_of(request).catalog.find("issuetype", "id", wanted)
    if found is None:
        raise not_found(f"The issue type with id '{wanted}' does not exist.")
    return web.json_response(found)


def _statuses(site: Site) -> list[dict[str, Any]]:
    return [status.json(site.catalog.base) for status in site.workflow.statuses]


@ROUTES.get(f"{API}/status")
async def statuses(request: web.Request) -> web.Response:
    return web.json_response(_statuses(site_of(request)))


@ROUTES.get(f"{API}/status/{{idOrName}}")
async def status(request: web.Request) -> web.Response:
    site, wanted = site_of(request), request.match_info["idOrName"]
    for found in _statuses(site):
        if wanted == found["id"] or wanted.casefold() == found["name"].casefold():
            return web.json_response(found)
    raise not_found(f"The status with id or name '{wanted}' does not exist.")


@ROUTES.get(f"{API}/statuscategory")
async def status_categories(request: web.Request) -> web.Response:
    base = site_of(request).catalog.base
    rows = [("undefined", NO_CATEGORY), *CATEGORIES.items()]
    body = [
        {
            "self": f"{base}{API}/statuscategory/{id_}",
            "id": id_,
            "key": key,
            "colorName": colour,
            "name": name,
        }
        for key, (id_, name, colour) in sorted(rows, key=lambda row: row[1][0])
    ]
    return web.json_response(body)


@ROUTES.get(f"{API}/resolution")
async def resolutions(request: web.Request) -> web.Response:
    return web.json_response(site_of(request).catalog.values("resolution"))


@ROUTES.get(f"{API}/resolution/search")
async def resolution_search(request: web.Request) -> web.Response:
    site, query = site_of(request), request.query
    ids = {id_ for raw in query.getall("id", []) for id_ in csv(raw) or []}
    found = [value | {"default": False} for value in site.catalog.values("resolution")]
    found = [value for value in found if not ids or value["id"] in ids]
    if query.get("onlyDefault", "").lower() == "true":
        found = [value for value in found if value["default"]]
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 50), 0), 100)
    body = {
        "self": str(request.url),
        "maxResults": size,
        "startAt": start,
        "total": len(found),
        "isLast": start + size >= len(found),
        "values": found[start : start + size],
    }
    return web.json_response(body)


@ROUTES.get(f"{API}/resolution/{{id}}")
async def resolution(request: web.Request) -> web.Response:
    return web.json_response(_one(request, "resolution", "resolution"))


@ROUTES.get(f"{API}/priority/{{id}}")
async def priority(request: web.Request) -> web.Response:
    found = _one(request, "priority", "priority")
    return web.json_response(found | {"description": found["name"]})


def _one(request: web.Request, kind: str, what: str) -> dict[str, Any]:
    wanted = request.match_info["id"]
    found = site_of(request).catalog.find(kind, "id", wanted)
    if found is None:
        raise not_found(f"The {what} with ID {wanted} does not exist.")
    return found


@ROUTES.get(f"{API}/issueLinkType")
async def issue_link_types(request: web.Request) -> web.Response:
    base = site_of(request).catalog.base
    types = [
        {"id": id_, "name": name, "inward": inward, "outward": outward}
        | {"self": f"{base}{API}/issueLinkType/{id_}"}
        for id_, name, inward, outward in LINK_TYPES
    ]
    return web.json_response({"issueLinkTypes": types})


@ROUTES.get(f"{API}/user")
async def user(request: web.Request) -> web.Response:
    site, wanted = site_of(request), request.query.get("accountId")
    found = site.users.get(wanted) if wanted else None  # no accountId: nobody (404)
    if found is None:
        raise not_found(NO_USER)
    return web.json_response(found.details(site.catalog.base) | {"locale": "en_US"})
