"""A Data Center site's screen metadata under ``/rest/api/2``: the paged ``createmeta``
resources (Data Center 8.4 and later; the one-call ``/issue/createmeta`` is gone in 9.0,
https://jira.atlassian.com/browse/JRASERVER-74965) and ``editmeta``.

- ``GET /issue/createmeta/{projectIdOrKey}/issuetypes``: a page of the project's issue
  types, ``{maxResults, startAt, total, isLast, values}``.
- ``GET /issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}``: a page of the create
  screen's fields, each a ``FieldMeta`` with its ``fieldId``, in ``values`` (Atlassian's
  own Data Center migration app reads them so: ``com.atlassian.migration.app.zephyr.jira``
  ``JiraApi.getIssueFieldsByIssuetype`` -> ``FetchJiraIssueTypesResponse.values``).
- ``GET /issue/{issueIdOrKey}/editmeta``: ``{"fields": {id: FieldMeta}}``.

Data Center's ``FieldMeta`` has ``fieldId`` and no ``key`` (jira.js ``src/server/models/
fieldMeta.ts``). What is on a screen, required, and allowed: as Cloud's
(``sandbox.screen_meta``); ``maxResults`` above 200 is refused as there.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.catalog import FieldSpec
from sandbox.dc_lookups import dc_shape
from sandbox.dc_routes import API2
from sandbox.http import actor_of, issue_of, site_of
from sandbox.meta_routes import project_site
from sandbox.screen_meta import _metadata, _page, create_screen
from sandbox.site import Site

ROUTES = web.RouteTableDef()
CREATEMETA = API2 + "/issue/createmeta/{projectIdOrKey}/issuetypes"


def _paged(request: web.Request, items: list[Any]) -> dict[str, Any]:
    """Data Center's page: ``values`` and whether it is the last one."""
    page = _page(request, items, "values")
    page["isLast"] = page["startAt"] + len(page["values"]) >= page["total"]
    return page


@ROUTES.get(CREATEMETA)
async def create_issue_types(request: web.Request) -> web.Response:
    site = project_site(request)
    return web.json_response(dc_shape(site, _paged(request, site.catalog.values("issuetype"))))


@ROUTES.get(CREATEMETA + "/{issueTypeId}")
async def create_fields(request: web.Request) -> web.Response:
    site, shown = create_screen(request, _field_meta)
    return web.json_response(dc_shape(site, _paged(request, shown)))


@ROUTES.get(API2 + "/issue/{issueIdOrKey}/editmeta")
async def edit_fields(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    specs = [spec for spec in site.catalog.fields.values() if spec.id in site.screens.edit]
    actor, project = actor_of(request).account_id, issue.fields["project"]["key"]
    shown = {spec.id: _field_meta(site, spec, actor, project) for spec in specs}
    return web.json_response({"fields": dc_shape(site, shown)})


def _field_meta(site: Site, spec: FieldSpec, actor: str, project: str) -> dict[str, Any]:
    """Data Center's ``FieldMeta``: Cloud's metadata with ``fieldId`` for ``key``."""
    meta = _metadata(site, spec, actor, project)
    del meta["key"]
    return {"fieldId": spec.id} | meta
