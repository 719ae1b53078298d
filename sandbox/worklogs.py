"""``/rest/api/3/issue/{k}/worklog``: time logged on an issue, and its entity properties.

List (paged: ``startAt``, ``maxResults``, ``total``, ``worklogs``; ``expand=properties``),
add, read, update, delete; ``.../worklog/{id}/properties/{key}`` as for comments
(``sandbox.comment_properties``: setting one sends no webhook). A body may carry
``properties: [{key, value}]`` on add and update. The author is always the caller. Each
change updates the issue's ``updated`` and sends ``worklog_created`` / ``worklog_updated``
/ ``worklog_deleted`` (the worklog, its ``issueId``, no issue). What is checked, and the
sources: ``sandbox.worklog_rules``. ``PUT /_emulator/worklogs`` turns time tracking off or
on and takes worklog permissions from accounts (``{"time_tracking": false, "withheld":
{"WORK_ON_ISSUES": [account ids]}}``). Adding, updating and deleting are shared with a Data
Center site's worklogs (``sandbox.dc_worklogs``): ``add``, ``edit`` and ``delete`` take the
``Flavour`` that reads the comment, shows the worklog and sends its webhook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox import worklog_rules as rules
from sandbox.comments import _visibility
from sandbox.errors import bad_request
from sandbox.http import actor_of, int_param, issue_of, json_object, no_content, site_of
from sandbox.model import Issue, Worklog
from sandbox.notify import discards
from sandbox.permissions import PERMISSIONS
from sandbox.properties import entity_properties
from sandbox.property_routes import delete_one, get_one, put_one
from sandbox.site import Site

ROUTES = web.RouteTableDef()
LIST = "/rest/api/3/issue/{issueIdOrKey}/worklog"
ONE = LIST + "/{id}"
KEYS = LIST + "/{worklogId}/properties"
PROPERTY = KEYS + "/{propertyKey}"
# The emulator's wording, for a Data Center update that changes nothing (``Flavour.editable``)
NOTHING_CHANGED = "At least one field must be changed to update a worklog."


@ROUTES.get(LIST)
async def list_worklogs(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 5000), 0), 5000)
    ordered = sorted(issue.worklogs, key=lambda w: (w.created_ms, int(w.id)))
    expanded = "properties" in (request.query.get("expand") or "").split(",")
    page = [
        rules.rest(w, site.users, site.catalog.base, properties=expanded)
        for w in ordered[start : start + size]
    ]
    body = {"startAt": start, "maxResults": size, "total": len(ordered), "worklogs": page}
    return web.json_response(body)


@dataclass(frozen=True)
class Flavour:
    """What a site's worklog calls do their own way; the steps below are shared."""

    comment: Callable[[dict[str, Any]], Any]  # the body's comment, checked (None: absent)
    shown: Callable[[Site, Worklog], dict[str, Any]]  # a worklog as the answer shows it
    announce: Callable[[Site, str, Issue, Worklog], None]  # the worklog_* webhook
    properties: bool = True  # a body's ``properties`` are kept
    editable: frozenset[str] | None = None  # an update must give one of these (None: any)


async def add(request: web.Request, flavour: Flavour) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    body = await json_object(request)
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "WORK_ON_ISSUES")
    seconds = rules.seconds_of(body, required=True) or 0
    started = rules.started_of(body, required=True) or ""
    comment, visibility = flavour.comment(body), _visibility(body.get("visibility"))
    properties = entity_properties(body.get("properties")) if flavour.properties else {}
    now = site.stamper.now_ms()
    worklog = Worklog(site.next_id("worklog"), issue.id, actor.account_id, started, seconds,
                      comment, now, now, actor.account_id, visibility, properties)  # fmt: skip
    issue.worklogs.append(worklog)
    flavour.announce(site, "worklog_created", issue, worklog)
    return web.json_response(flavour.shown(site, worklog), status=201)


async def edit(request: web.Request, flavour: Flavour) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    worklog = rules.worklog_of(issue, request.match_info["id"])
    body = await json_object(request)
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "EDIT", worklog)
    if flavour.editable is not None and not flavour.editable & body.keys():
        raise bad_request(NOTHING_CHANGED)
    _edit(worklog, body, flavour)
    worklog.update_author_id, worklog.updated_ms = actor.account_id, site.stamper.now_ms()
    flavour.announce(site, "worklog_updated", issue, worklog)
    return web.json_response(flavour.shown(site, worklog))


def _edit(worklog: Worklog, body: dict[str, Any], flavour: Flavour) -> None:
    """The parts of ``worklog`` the body gives (all checked before any is changed)."""
    seconds = rules.seconds_of(body, required=False)
    started = rules.started_of(body, required=False)
    comment = flavour.comment(body)
    visibility = _visibility(body.get("visibility")) if "visibility" in body else None
    properties = entity_properties(body.get("properties")) if flavour.properties else {}
    worklog.seconds = seconds if seconds is not None else worklog.seconds
    worklog.started = started if started is not None else worklog.started
    if "comment" in body:
        worklog.comment = comment
    if "visibility" in body:
        worklog.visibility = visibility
    worklog.properties.update(properties)


async def delete(request: web.Request, flavour: Flavour) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    worklog = rules.worklog_of(issue, request.match_info["id"])
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "DELETE", worklog)
    issue.worklogs.remove(worklog)
    flavour.announce(site, "worklog_deleted", issue, worklog)
    return no_content()


def _shown(site: Site, worklog: Worklog) -> dict[str, Any]:
    return rules.rest(worklog, site.users, site.catalog.base, properties=False)


def _announce(site: Site, event: str, issue: Issue, worklog: Worklog) -> None:
    now = site.touched(issue)
    site.publish(event, rules.webhook(event, worklog, site.users, site.catalog.base, now))


CLOUD = Flavour(rules.comment_of, _shown, _announce)


@ROUTES.post(LIST)
async def add_worklog(request: web.Request) -> web.Response:
    return await add(request, CLOUD)


@ROUTES.get(ONE)
async def get_worklog(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    worklog = rules.worklog_of(issue, request.match_info["id"])
    expanded = "properties" in (request.query.get("expand") or "").split(",")
    return web.json_response(
        rules.rest(worklog, site.users, site.catalog.base, properties=expanded)
    )


@ROUTES.put(ONE)
async def edit_worklog(request: web.Request) -> web.Response:
    return await edit(request, CLOUD)


@ROUTES.delete(ONE)
async def delete_worklog(request: web.Request) -> web.Response:
    return await delete(request, CLOUD)


def _property_target(request: web.Request) -> Worklog:
    return rules.worklog_of(issue_of(request), request.match_info["worklogId"])


@ROUTES.get(KEYS)
async def property_keys(request: web.Request) -> web.Response:
    worklog, base = _property_target(request), site_of(request).catalog.base
    path = f"{base}/rest/api/3/issue/{worklog.issue_id}/worklog/{worklog.id}/properties"
    keys = [{"self": f"{path}/{key}", "key": key} for key in worklog.properties]
    return web.json_response({"keys": keys})


@ROUTES.put(PROPERTY)
async def set_property(request: web.Request) -> web.Response:
    return await put_one(_property_target(request).properties, request)


@ROUTES.get(PROPERTY)
async def get_property(request: web.Request) -> web.Response:
    return get_one(_property_target(request).properties, request)


@ROUTES.delete(PROPERTY)
async def delete_property(request: web.Request) -> web.Response:
    return delete_one(_property_target(request).properties, request)


@ROUTES.put("/_emulator/worklogs")
async def set_worklog_knobs(request: web.Request) -> web.Response:
    site, body = site_of(request), await json_object(request)
    if "time_tracking" in body:
        site.time_tracking = bool(body["time_tracking"])
    withheld = body.get("withheld")
    if withheld is not None:
        if not isinstance(withheld, dict) or not set(withheld) <= set(PERMISSIONS):
            raise bad_request("withheld: {permission key: [account ids]}")
        site.withheld = {key: set(accounts) for key, accounts in withheld.items()}
    shown = {key: sorted(accounts) for key, accounts in site.withheld.items()}
    return web.json_response({"time_tracking": site.time_tracking, "withheld": shown})
