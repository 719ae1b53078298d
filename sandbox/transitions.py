"""``/rest/api/3/issue/{k}/transitions``: list the transitions open from the current status
and perform one, with its screen's fields (JIRA-checked) in the same history entry."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.clock import jira_time
from sandbox.edits import changes, plan
from sandbox.errors import bad_request, field_errors
from sandbox.http import actor_of, csv, issue_of, json_object, no_content, site_of
from sandbox.model import Issue
from sandbox.site import Site, status_item
from sandbox.users import User
from sandbox.workflow import Transition

ROUTES = web.RouteTableDef()
PATH = "/rest/api/3/issue/{issueIdOrKey}/transitions"


@ROUTES.get(PATH)
async def list_transitions(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    with_fields = "transitions.fields" in (csv(request.query.get("expand")) or [])
    available = site.workflow.available(issue.fields["status"]["id"])
    body = [_transition_json(site, transition, with_fields) for transition in available]
    return web.json_response({"expand": "transitions", "transitions": body})


def _transition_json(site: Site, transition: Transition, with_fields: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": transition.id,
        "name": transition.name,
        "to": site.workflow.status(transition.to).json(site.catalog.base),
        "hasScreen": bool(transition.screen),
        "isGlobal": transition.sources is None,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }
    if with_fields:
        body["fields"] = {name: _field_meta(site, transition, name) for name in transition.screen}
    return body


def _field_meta(site: Site, transition: Transition, field_id: str) -> dict[str, Any]:
    spec = site.catalog.fields[field_id]
    meta: dict[str, Any] = {
        "required": field_id in transition.required,
        "schema": spec.schema,
        "name": spec.name,
        "key": field_id,
        "operations": ["set", "add", "remove"] if spec.multi else ["set"],
    }
    kind = "versions" if spec.kind == "versions" else spec.kind
    if kind in {"resolution", "versions"}:
        meta["allowedValues"] = site.catalog.values(kind)
    return meta


@ROUTES.post(PATH)
async def do_transition(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    perform(site, actor_of(request), issue, await json_object(request))
    return no_content()


def perform(site: Site, actor: User, issue: Issue, body: dict[str, Any]) -> None:
    transition = _chosen(site, issue, body.get("transition"))
    sections = {key: body[key] for key in ("fields", "update") if key in body}
    planned = plan(issue.fields, sections, screen=frozenset(transition.screen), values=site.values)
    missing = {
        name: f"{site.catalog.fields[name].name} is required."
        for name in transition.required
        if planned.get(name) is None
    }
    if missing:
        raise field_errors(missing)
    planned |= _post_functions(site, issue, transition, planned)
    old_status = issue.fields["status"]
    items = changes(site.catalog, issue.fields, planned)
    issue.fields |= planned
    issue.fields["status"] = site.workflow.status(transition.to).json(site.catalog.base)
    items.append(status_item(old_status, issue.fields["status"]))
    site.commit(issue, actor, items, "issue_generic")


def _chosen(site: Site, issue: Issue, raw: Any) -> Transition:
    wanted = str(raw.get("id", "")) if isinstance(raw, dict) else ""
    if not wanted:
        raise bad_request("Missing 'transition' identifier")
    for transition in site.workflow.available(issue.fields["status"]["id"]):
        if transition.id == wanted:
            return transition
    raise bad_request(f"Transition id '{wanted}' is not valid for this issue.")


def _post_functions(
    site: Site, issue: Issue, transition: Transition, planned: dict[str, Any]
) -> dict[str, Any]:
    """Resolution set on entering done (simplified workflow) and cleared on leaving it."""
    entering_done = site.workflow.status(transition.to).category == "done"
    if not entering_done:
        return {"resolution": None, "resolutiondate": None}
    resolution = planned.get("resolution") or issue.fields.get("resolution")
    if resolution is None and site.workflow.resolve_on_done:
        resolution = site.catalog.resolution_done()
    return {"resolution": resolution, "resolutiondate": jira_time(site.stamper.now_ms())}
