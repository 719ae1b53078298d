"""A Data Center site's worklogs, ``/rest/api/2/issue/{k}/worklog`` and ``.../{id}``:
``comment`` is a wiki markup string kept as given, authors are users by name and key.

Data Center's ``Worklog`` (jira.js ``src/server/models/worklog.ts``): ``author``,
``updateAuthor``, ``comment`` (a string), ``created``, ``updated``, ``started``,
``timeSpent``, ``timeSpentSeconds``, ``id``, ``issueId``, ``visibility``; the list is
``{startAt, maxResults, total, worklogs}`` with every worklog of the issue (its GET takes
no paging parameters). An update must change something ("For a request to be valid, it
has to have at least one field change", the operation's description there). What else is
checked (time tracking, permissions, ``started``, the time spent) and the three
``worklog_*`` webhooks: as Cloud's (``sandbox.worklog_rules``), users translated; adding,
updating and deleting run Cloud's steps (``sandbox.worklogs``) with this ``DATA_CENTER``
flavour.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import dc_users, worklogs
from sandbox import worklog_rules as rules
from sandbox.dc_comments import wiki_text
from sandbox.dc_lookups import dc_shape
from sandbox.dc_routes import API2
from sandbox.http import issue_of, site_of
from sandbox.model import Issue, Worklog
from sandbox.site import Site

ROUTES = web.RouteTableDef()
LIST = API2 + "/issue/{issueIdOrKey}/worklog"
ONE = LIST + "/{id}"
EDITABLE = frozenset({"comment", "visibility", "started", "timeSpent", "timeSpentSeconds"})


@ROUTES.get(LIST)
async def list_worklogs(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    ordered = sorted(issue.worklogs, key=lambda w: (w.created_ms, int(w.id)))
    shown = [worklog_json(site, w) for w in ordered]
    body = {"startAt": 0, "maxResults": len(shown), "total": len(shown), "worklogs": shown}
    return web.json_response(body)


@ROUTES.post(LIST)
async def add_worklog(request: web.Request) -> web.Response:
    return await worklogs.add(request, DATA_CENTER)


@ROUTES.get(ONE)
async def get_worklog(request: web.Request) -> web.Response:
    worklog = rules.worklog_of(issue_of(request), request.match_info["id"])
    return web.json_response(worklog_json(site_of(request), worklog))


@ROUTES.put(ONE)
async def edit_worklog(request: web.Request) -> web.Response:
    return await worklogs.edit(request, DATA_CENTER)


@ROUTES.delete(ONE)
async def delete_worklog(request: web.Request) -> web.Response:
    return await worklogs.delete(request, DATA_CENTER)


def wiki_comment(body: dict[str, Any]) -> str | None:
    """The worklog's comment as wiki markup; an ADF object is refused (v2 takes a string)."""
    raw = body.get("comment")
    return None if raw is None else wiki_text(raw, "Comment must be a string.")


def worklog_json(site: Site, worklog: Worklog) -> dict[str, Any]:
    """Data Center's ``Worklog``: Cloud's with users by name and key and a wiki comment."""
    shown = rules.rest(worklog, site.users, site.catalog.base, properties=False)
    shown["comment"] = worklog.comment or ""
    return dict(dc_shape(site, shown))


def _announce(site: Site, event: str, issue: Issue, worklog: Worklog) -> None:
    now = site.touched(issue)
    payload = rules.webhook(event, worklog, site.users, site.catalog.base, now)
    site.publish(event, dc_users.translate(payload, site.users, site.catalog.base))


# The emulator serves no worklog properties under ``/rest/api/2``, so a body's are not kept.
DATA_CENTER = worklogs.Flavour(
    wiki_comment, worklog_json, _announce, properties=False, editable=EDITABLE
)
