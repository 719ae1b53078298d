"""A Data Center site's worklogs, ``/rest/api/2/issue/{k}/worklog`` and ``.../{id}``:
``comment`` is a wiki markup string kept as given, authors are users by name and key.

Data Center's ``Worklog`` (jira.js ``src/server/models/worklog.ts``): ``author``,
``updateAuthor``, ``comment`` (a string), ``created``, ``updated``, ``started``,
``timeSpent``, ``timeSpentSeconds``, ``id``, ``issueId``, ``visibility``; the list is
``{startAt, maxResults, total, worklogs}`` with every worklog of the issue (its GET takes
no paging parameters). An update must change something ("For a request to be valid, it
has to have at least one field change", the operation's description there). What else is
checked (time tracking, permissions, ``started``, the time spent) and the three
``worklog_*`` webhooks: as Cloud's (``sandbox.worklog_rules``), users translated.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import dc_users
from sandbox import worklog_rules as rules
from sandbox.comments import _visibility
from sandbox.dc_lookups import dc_shape
from sandbox.dc_routes import API2
from sandbox.errors import TOO_LONG, bad_request, field_errors
from sandbox.http import actor_of, issue_of, json_object, no_content, site_of
from sandbox.model import Issue, Worklog
from sandbox.notify import discards
from sandbox.site import Site
from sandbox.values import RICH_TEXT_LIMIT

ROUTES = web.RouteTableDef()
LIST = API2 + "/issue/{issueIdOrKey}/worklog"
ONE = LIST + "/{id}"
EDITABLE = frozenset({"comment", "visibility", "started", "timeSpent", "timeSpentSeconds"})
NOTHING_CHANGED = "At least one field must be changed to update a worklog."  # emulator's


@ROUTES.get(LIST)
async def list_worklogs(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    ordered = sorted(issue.worklogs, key=lambda w: (w.created_ms, int(w.id)))
    shown = [worklog_json(site, w) for w in ordered]
    body = {"startAt": 0, "maxResults": len(shown), "total": len(shown), "worklogs": shown}
    return web.json_response(body)


@ROUTES.post(LIST)
async def add_worklog(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    body = await json_object(request)
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "WORK_ON_ISSUES")
    seconds = rules.seconds_of(body, required=True) or 0
    started = rules.started_of(body, required=True) or ""
    comment, visibility = wiki_comment(body), _visibility(body.get("visibility"))
    now = site.stamper.now_ms()
    worklog = Worklog(site.next_id("worklog"), issue.id, actor.account_id, started, seconds,
                      comment, now, now, actor.account_id, visibility)  # fmt: skip
    issue.worklogs.append(worklog)
    _announce(site, "worklog_created", issue, worklog)
    return web.json_response(worklog_json(site, worklog), status=201)


@ROUTES.get(ONE)
async def get_worklog(request: web.Request) -> web.Response:
    worklog = rules.worklog_of(issue_of(request), request.match_info["id"])
    return web.json_response(worklog_json(site_of(request), worklog))


@ROUTES.put(ONE)
async def edit_worklog(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    worklog = rules.worklog_of(issue, request.match_info["id"])
    body = await json_object(request)
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "EDIT", worklog)
    if not EDITABLE & body.keys():
        raise bad_request(NOTHING_CHANGED)
    _edit(worklog, body)
    worklog.update_author_id, worklog.updated_ms = actor.account_id, site.stamper.now_ms()
    _announce(site, "worklog_updated", issue, worklog)
    return web.json_response(worklog_json(site, worklog))


def _edit(worklog: Worklog, body: dict[str, Any]) -> None:
    """The parts of ``worklog`` the body gives (all checked before any is changed)."""
    seconds = rules.seconds_of(body, required=False)
    started = rules.started_of(body, required=False)
    comment = wiki_comment(body)
    visibility = _visibility(body.get("visibility")) if "visibility" in body else None
    worklog.seconds = seconds if seconds is not None else worklog.seconds
    worklog.started = started if started is not None else worklog.started
    if "comment" in body:
        worklog.comment = comment
    if "visibility" in body:
        worklog.visibility = visibility


@ROUTES.delete(ONE)
async def delete_worklog(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    rules.check_tracking(site)
    worklog = rules.worklog_of(issue, request.match_info["id"])
    discards(request, actor, issue.fields["project"]["key"])
    rules.check_may(site, actor, "DELETE", worklog)
    issue.worklogs.remove(worklog)
    _announce(site, "worklog_deleted", issue, worklog)
    return no_content()


def wiki_comment(body: dict[str, Any]) -> str | None:
    """The worklog's comment as wiki markup; an ADF object is refused (v2 takes a string)."""
    raw = body.get("comment")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise field_errors({"comment": "Comment must be a string."})
    if len(raw) > RICH_TEXT_LIMIT:
        raise field_errors({"comment": TOO_LONG.format(limit=RICH_TEXT_LIMIT)})
    return raw


def worklog_json(site: Site, worklog: Worklog) -> dict[str, Any]:
    """Data Center's ``Worklog``: Cloud's with users by name and key and a wiki comment."""
    shown = rules.rest(worklog, site.users, site.catalog.base, properties=False)
    shown["comment"] = worklog.comment or ""
    return dict(dc_shape(site, shown))


def _announce(site: Site, event: str, issue: Issue, worklog: Worklog) -> None:
    now = site.touched(issue)
    payload = rules.webhook(event, worklog, site.users, site.catalog.base, now)
    site.publish(event, dc_users.translate(payload, site.users, site.catalog.base))
