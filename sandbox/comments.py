"""``/rest/api/3/issue/{k}/comment``: ADF bodies, optional visibility (restricted comments),
entity properties set with the create or update body (``properties: [{key, value}]``; a
service-desk internal note is ``sd.public.comment`` ``{"internal": true}``, see
``sandbox.model.Comment``) and listed with ``expand=properties``.

Each change updates the issue's ``updated`` (no history entry) and sends two webhooks,
as JIRA does: ``comment_*`` and a ``jira:issue_updated`` (``issue_commented`` ...).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import adf, render
from sandbox.errors import BAD_PAYLOAD, bad_request, field_errors, not_found
from sandbox.http import actor_of, int_param, issue_of, json_object, no_content, site_of
from sandbox.model import Comment, Issue
from sandbox.notify import discards, mailer_of
from sandbox.properties import entity_properties
from sandbox.site import Site
from sandbox.users import User
from sandbox.values import FieldError, rich_text

ROUTES = web.RouteTableDef()
LIST = "/rest/api/3/issue/{issueIdOrKey}/comment"
ONE = LIST + "/{id}"
ROLES = frozenset({"Administrators", "Developers", "Users"})
GROUPS = frozenset({"jira-administrators", "jira-software-users", "site-admins"})
EVENT_TYPES = {
    "comment_created": "issue_commented",
    "comment_updated": "issue_comment_edited",
    "comment_deleted": "issue_comment_deleted",
}


@ROUTES.get(LIST)
async def list_comments(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", 100), 0), 100)
    ordered = sorted(issue.comments, key=lambda c: (c.created_ms, int(c.id)))
    if request.query.get("orderBy", "created").startswith("-"):
        ordered.reverse()
    expanded = _with_properties(request)
    page = [
        render.comment(c, site.users, site.catalog.base, properties=expanded)
        for c in ordered[start : start + size]
    ]
    body = {"startAt": start, "maxResults": size, "total": len(ordered), "comments": page}
    return web.json_response(body)


@ROUTES.post(LIST)
async def add_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    body = await json_object(request)
    document, visibility = _content(body), _visibility(body.get("visibility"))
    properties = entity_properties(body.get("properties"))
    now = site.stamper.now_ms()
    comment = Comment(site.next_id("comment"), issue.id, actor.account_id, document, now, now,
                      actor.account_id, visibility, properties)  # fmt: skip
    issue.comments.append(comment)
    _announce(site, "comment_created", issue, comment, actor)
    return web.json_response(render.comment(comment, site.users, site.catalog.base), status=201)


@ROUTES.get(ONE)
async def get_comment(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    comment = _comment_of(request, issue)
    expanded = _with_properties(request)
    return web.json_response(
        render.comment(comment, site.users, site.catalog.base, properties=expanded)
    )


@ROUTES.put(ONE)
async def edit_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    comment = _comment_of(request, issue)
    body = await json_object(request)
    discard = discards(request, actor, issue.fields["project"]["key"])  # 403 before any change
    comment.body = _content(body)
    if "visibility" in body:
        comment.visibility = _visibility(body["visibility"])
    comment.properties.update(entity_properties(body.get("properties")))
    comment.update_author_id = actor.account_id
    comment.updated_ms = site.stamper.now_ms()
    with mailer_of(request).quiet(discard):
        _announce(site, "comment_updated", issue, comment, actor)
    return web.json_response(render.comment(comment, site.users, site.catalog.base))


@ROUTES.delete(ONE)
async def delete_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    comment = _comment_of(request, issue)
    issue.comments.remove(comment)
    _announce(site, "comment_deleted", issue, comment, actor)
    return no_content()


def _with_properties(request: web.Request) -> bool:
    return "properties" in (request.query.get("expand") or "").split(",")


def _comment_of(request: web.Request, issue: Issue) -> Comment:
    comment_id = request.match_info["id"]
    comment = issue.comment(comment_id)
    if comment is None:
        raise not_found(f"Can not find a comment for the id: {comment_id}.")
    return comment


def _content(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("body")
    if raw is None or raw == "":
        raise field_errors({"comment": "Comment body can not be empty!"})
    if isinstance(raw, str):
        raise field_errors({"comment": "Comment body is not valid!"})
    try:
        document = rich_text(raw)
    except FieldError as error:
        raise field_errors({"comment": error.message}) from None
    if not (adf.to_wiki(document) or "").strip():
        raise field_errors({"comment": "Comment body can not be empty!"})
    return document


def _visibility(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in {"role", "group"}:
        raise bad_request(BAD_PAYLOAD)
    value = raw.get("value") or raw.get("identifier")
    known = ROLES if raw["type"] == "role" else GROUPS
    if value not in known:
        what = "project role" if raw["type"] == "role" else "group"
        raise field_errors(
            {"commentLevel": f"You are currently not a member of the {what}: {value}."}
        )
    return {"type": raw["type"], "value": value, "identifier": value}


def _announce(site: Site, event: str, issue: Issue, comment: Comment, actor: User) -> None:
    now = site.touched(issue)
    site.publish(event, site.payloads.comment_event(event, issue, comment, now))
    companion = site.payloads.issue_commented(EVENT_TYPES[event], issue, comment, actor, now)
    site.publish("jira:issue_updated", companion)
