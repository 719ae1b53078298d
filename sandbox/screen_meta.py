"""What the screens allow: ``createmeta`` (per project and issue type) and ``editmeta``
(per issue), in REST v3 shapes, read from the site's ``Screens``.

- ``GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes``: a page of the
  project's issue types (``startAt``, ``maxResults`` up to 200, ``total``).
- ``GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}``: a page of
  the fields on the create screen. ``project`` and ``issuetype`` are always there and
  required, as on JIRA; so is ``summary`` when on the screen.
- ``GET /rest/api/3/issue/{issueIdOrKey}/editmeta``: ``{"fields": {id: metadata}}`` for the
  fields on the edit screen.

The emulator has one create and one edit screen for every issue type (``Screens``), so a
field answered here is exactly a field a create or an edit accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.catalog import FieldSpec
from sandbox.errors import bad_request
from sandbox.http import actor_of, int_param, issue_of, site_of
from sandbox.meta_routes import project_site, site_and_project
from sandbox.site import Site

ROUTES = web.RouteTableDef()
CREATEMETA = "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes"
MAX_PAGE = 200
ALWAYS_ON_CREATE = ("project", "issuetype")
REQUIRED = frozenset({"project", "issuetype", "summary"})
# Field kinds whose values are chosen from a list (``allowedValues``).
CHOSEN_KINDS = frozenset(
    {"priority", "issuetype", "components", "versions", "option", "options", "security"}
)


def _page(request: web.Request, items: list[Any], name: str) -> dict[str, Any]:
    start = max(int_param(request, "startAt", 0), 0)
    size = int_param(request, "maxResults", 50)
    if size > MAX_PAGE:
        raise bad_request(f"Parameter 'maxResults' must not exceed the limit '{MAX_PAGE}'")
    size = max(size, 0)
    page = items[start : start + size]
    return {name: page, "maxResults": size, "startAt": start, "total": len(items)}


@ROUTES.get(CREATEMETA)
async def create_issue_types(request: web.Request) -> web.Response:
    site = project_site(request)
    return web.json_response(_page(request, site.catalog.values("issuetype"), "issueTypes"))


@ROUTES.get(CREATEMETA + "/{issueTypeId}")
async def create_fields(request: web.Request) -> web.Response:
    _, fields = create_screen(request, _create_meta)
    return web.json_response(_page(request, fields, "fields"))


FieldMeta = Callable[[Site, FieldSpec, str, str], dict[str, Any]]


def create_screen(request: web.Request, meta: FieldMeta) -> tuple[Site, list[dict[str, Any]]]:
    """The site and the fields on the create screen of the request's project and issue type,
    each as ``meta(site, spec, actor, project)`` shows it (Cloud's, and a Data Center
    site's, ``sandbox.dc_meta``); 400 for an issue type the site does not have."""
    site, project = site_and_project(request)
    wanted = request.match_info["issueTypeId"]
    if site.catalog.find("issuetype", "id", wanted) is None:
        raise bad_request(f"The issue type with id '{wanted}' does not exist in this project.")
    on_screen = site.screens.create | set(ALWAYS_ON_CREATE)
    specs = [spec for spec in site.catalog.fields.values() if spec.id in on_screen]
    actor = actor_of(request).account_id
    return site, [meta(site, spec, actor, project) for spec in specs]


def _create_meta(site: Site, spec: FieldSpec, actor: str, project: str) -> dict[str, Any]:
    return {"fieldId": spec.id} | _metadata(site, spec, actor, project)


@ROUTES.get("/rest/api/3/issue/{issueIdOrKey}/editmeta")
async def edit_fields(request: web.Request) -> web.Response:
    site = site_of(request)
    specs = [spec for spec in site.catalog.fields.values() if spec.id in site.screens.edit]
    actor = actor_of(request).account_id
    issue = issue_of(request)
    project = issue.fields["project"]["key"]
    return web.json_response({"fields": {s.id: _metadata(site, s, actor, project) for s in specs}})


def _metadata(site: Site, spec: FieldSpec, actor: str, project: str) -> dict[str, Any]:
    """``FieldMetadata``: what the field is and how it can be set."""
    body: dict[str, Any] = {
        "required": spec.id in REQUIRED,
        "schema": spec.schema,
        "name": spec.name,
        "key": spec.id,
        "operations": ["add", "set", "remove"] if spec.multi else ["set"],
    }
    allowed = _allowed_values(site, spec, project)
    if spec.kind == "security" and allowed is not None:  # only the levels one belongs to
        allowed = site.security.allowed(actor, allowed)
    if allowed is not None:
        body["allowedValues"] = allowed
    if spec.id == "priority":
        body |= {"hasDefaultValue": True, "defaultValue": site.catalog.default_priority()}
    else:
        body["hasDefaultValue"] = False
    return body


def _allowed_values(site: Site, spec: FieldSpec, project: str) -> list[dict[str, Any]] | None:
    if spec.id == "project":
        return [site.catalog.project_ref(project)]
    if spec.kind not in CHOSEN_KINDS:
        return None
    try:
        return site.catalog.values(spec.kind, project)
    except KeyError:
        return None
