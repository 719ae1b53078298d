"""``/rest/api/3/issue/{k}/transitions``: list the transitions open from the current status
and perform one, with its screen's fields (JIRA-checked) in the same history entry.

With ``expand=transitions.fields`` each transition lists its screen's fields as
``FieldMetadata`` (``required``, ``schema``, ``name``, ``key``, ``operations`` and, for
fields with a fixed set of values, ``allowedValues``), as the OpenAPI ``IssueTransition``
says. A required field that neither the request nor the issue gives a value answers 400
``{"errors": {"<field id>": "<Field name> is required."}}`` and changes nothing
(https://gitlab.com/gitlab-org/gitlab/-/issues/26230). ``GET /rest/api/3/resolution``
lists the site's resolutions. Get issue's ``expand=transitions`` (or ``transitions.fields``)
adds the same list to the issue (``expanded``)."""

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


def expanded(site: Site, issue: Issue, expand: list[str] | None) -> list[dict[str, Any]] | None:
    """Get issue's ``expand=transitions`` (``transitions.fields``: each with its screen's
    fields): the transitions open from the issue's status, as the listing gives them."""
    asked = expand or []
    if "transitions" not in asked and "transitions.fields" not in asked:
        return None
    available = site.workflow.available(issue.fields["status"]["id"])
    with_fields = "transitions.fields" in asked
    return [_transition_json(site, transition, with_fields) for transition in available]


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
        required = set(field_ids(site, transition.required))
        body["fields"] = {
            field_id: _field_meta(site, field_id, field_id in required)
            for field_id in field_ids(site, transition.screen)
        }
    return body


def field_ids(site: Site, names: tuple[str, ...]) -> list[str]:
    """A screen's fields as this site's ids (a custom field may be named: ids differ)."""
    fields = site.catalog.fields
    by_name = {spec.name: spec.id for spec in fields.values() if spec.custom}
    return [name if name in fields else by_name[name] for name in names]


def _field_meta(site: Site, field_id: str, required: bool) -> dict[str, Any]:
    spec = site.catalog.fields[field_id]
    meta: dict[str, Any] = {
        "required": required,
        "schema": spec.schema,
        "name": spec.name,
        "key": field_id,
        "operations": ["set", "add", "remove"] if spec.multi else ["set"],
    }
    if spec.kind in {"resolution", "versions", "option", "options", "priority", "components"}:
        meta["allowedValues"] = site.catalog.values(spec.kind)
    return meta


@ROUTES.get("/rest/api/3/resolution")
async def resolutions(request: web.Request) -> web.Response:
    return web.json_response(site_of(request).catalog.values("resolution"))


@ROUTES.post(PATH)
async def do_transition(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    perform(site, actor_of(request), issue, await json_object(request))
    return no_content()


def perform(site: Site, actor: User, issue: Issue, body: dict[str, Any]) -> None:
    transition = _chosen(site, issue, body.get("transition"))
    sections = {key: body[key] for key in ("fields", "update") if key in body}
    screen = frozenset(field_ids(site, transition.screen))
    values = site.values_in(issue.fields["project"]["key"])
    planned = plan(issue.fields, sections, screen=screen, values=values)
    missing = {
        name: f"{site.catalog.fields[name].name} is required."
        for name in field_ids(site, transition.required)
        if planned.get(name, issue.fields.get(name)) in (None, [])
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


def as_a_person(site: Site, transition: Transition) -> dict[str, Any]:
    """The body a person sends through ``transition``'s screen: the first allowed value of
    each required field (tests and seeding; the sync never guesses)."""
    fields: dict[str, Any] = {}
    for field_id in field_ids(site, transition.required):
        spec = site.catalog.fields[field_id]
        first = site.catalog.values(spec.kind)[0]
        key = "value" if spec.kind in {"option", "options"} else "name"
        fields[field_id] = {key: first[key]} if not spec.multi else [{key: first[key]}]
    return {"transition": {"id": transition.id}} | ({"fields": fields} if fields else {})
