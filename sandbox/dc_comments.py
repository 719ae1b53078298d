"""A Data Center site's comments, ``/rest/api/2/issue/{k}/comment``: ``body`` is a wiki
markup string kept as given (mentions are ``[~username]``), authors by name and key.

Visibility, properties, the two webhooks of each change: as Cloud (``sandbox.comments``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import dc_users
from sandbox.clock import jira_time
from sandbox.comments import _announce, _comment_of, _visibility
from sandbox.dc_routes import API2
from sandbox.errors import TOO_LONG, field_errors
from sandbox.http import actor_of, int_param, issue_of, json_object, no_content, site_of
from sandbox.model import Comment
from sandbox.notify import discards, mailer_of
from sandbox.properties import entity_properties
from sandbox.site import Site
from sandbox.values import RICH_TEXT_LIMIT

ROUTES = web.RouteTableDef()
LIST = API2 + "/issue/{issueIdOrKey}/comment"
ONE = LIST + "/{id}"
PAGE_MAX = 5000  # Data Center pages comments by maxResults; its default lists them all


@ROUTES.get(LIST)
async def list_comments(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    start = max(int_param(request, "startAt", 0), 0)
    size = min(max(int_param(request, "maxResults", PAGE_MAX), 0), PAGE_MAX)
    ordered = sorted(issue.comments, key=lambda c: (c.created_ms, int(c.id)))
    if request.query.get("orderBy", "created").startswith("-"):
        ordered.reverse()
    page = [comment_json(site, c) for c in ordered[start : start + size]]
    body = {"startAt": start, "maxResults": size, "total": len(ordered), "comments": page}
    return web.json_response(body)


@ROUTES.post(LIST)
async def add_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    body = await json_object(request)
    text, visibility = wiki_body(body), _visibility(body.get("visibility"))
    properties = entity_properties(body.get("properties"))
    now = site.stamper.now_ms()
    comment = Comment(site.next_id("comment"), issue.id, actor.account_id, text, now, now,
                      actor.account_id, visibility, properties)  # fmt: skip
    issue.comments.append(comment)
    _announce(site, "comment_created", issue, comment, actor)
    return web.json_response(comment_json(site, comment), status=201)


@ROUTES.get(ONE)
async def get_comment(request: web.Request) -> web.Response:
    site, issue = site_of(request), issue_of(request)
    return web.json_response(comment_json(site, _comment_of(request, issue)))


@ROUTES.put(ONE)
async def edit_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    comment = _comment_of(request, issue)
    body = await json_object(request)
    discard = discards(request, actor, issue.fields["project"]["key"])
    comment.body = wiki_body(body)
    if "visibility" in body:
        comment.visibility = _visibility(body["visibility"])
    comment.update_author_id = actor.account_id
    comment.updated_ms = site.stamper.now_ms()
    with mailer_of(request).quiet(discard):
        _announce(site, "comment_updated", issue, comment, actor)
    return web.json_response(comment_json(site, comment))


@ROUTES.delete(ONE)
async def delete_comment(request: web.Request) -> web.Response:
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    comment = _comment_of(request, issue)
    issue.comments.remove(comment)
    _announce(site, "comment_deleted", issue, comment, actor)
    return no_content()


def wiki_body(body: dict[str, Any]) -> str:
    """The comment's wiki markup; an ADF object is refused, as a v2 body is a string."""
    raw = body.get("body")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise field_errors({"comment": "Comment body can not be empty!"})
    return wiki_text(raw, "Comment body is not valid!")


def wiki_text(raw: object, not_text: str) -> str:
    """``raw`` as wiki markup (a comment's or a worklog's): 400 with ``not_text`` unless a
    string, or when longer than rich text may be."""
    if not isinstance(raw, str):
        raise field_errors({"comment": not_text})
    if len(raw) > RICH_TEXT_LIMIT:
        raise field_errors({"comment": TOO_LONG.format(limit=RICH_TEXT_LIMIT)})
    return raw


def comment_json(site: Site, comment: Comment) -> dict[str, Any]:
    base = site.catalog.base
    body: dict[str, Any] = {
        "self": f"{base}{API2}/issue/{comment.issue_id}/comment/{comment.id}",
        "id": comment.id,
        "author": dc_users.translate({"accountId": comment.author_id}, site.users, base),
        "body": comment.body,
        "updateAuthor": dc_users.translate(
            {"accountId": comment.update_author_id}, site.users, base
        ),
        "created": jira_time(comment.created_ms),
        "updated": jira_time(comment.updated_ms),
    }
    if comment.visibility is not None:
        body["visibility"] = comment.visibility
    return body
