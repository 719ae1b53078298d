"""``/rest/api/3/comment/{commentId}/properties``: entity properties of a comment.

The same rules as issue properties (``sandbox.properties``). A service-desk internal note
is the property ``sd.public.comment`` ``{"internal": true}`` (``sandbox.model.Comment``).
Setting or removing a property is not an edit of the comment: JIRA sends no
``comment_updated`` for it (its webhook events name no comment property event; only an
update of the comment itself, whose body may carry ``properties``, sends one), so the
emulator sends none either.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import not_found
from sandbox.http import site_of
from sandbox.model import Comment
from sandbox.property_routes import delete_one, get_one, put_one

ROUTES = web.RouteTableDef()
KEYS = "/rest/api/3/comment/{commentId}/properties"
ONE = KEYS + "/{propertyKey}"


def _comment_of(request: web.Request) -> Comment:
    wanted = request.match_info["commentId"]
    for issue in site_of(request).issues.values():
        found = issue.comment(wanted)
        if found is not None:
            return found
    raise not_found(f"Can not find a comment for the id: {wanted}.")


@ROUTES.get(KEYS)
async def property_keys(request: web.Request) -> web.Response:
    comment, base = _comment_of(request), site_of(request).catalog.base
    keys = [
        {"self": f"{base}/rest/api/3/comment/{comment.id}/properties/{key}", "key": key}
        for key in comment.properties
    ]
    return web.json_response({"keys": keys})


@ROUTES.put(ONE)
async def set_property(request: web.Request) -> web.Response:
    return await put_one(_comment_of(request).properties, request)


@ROUTES.get(ONE)
async def get_property(request: web.Request) -> web.Response:
    return get_one(_comment_of(request).properties, request)


@ROUTES.delete(ONE)
async def delete_property(request: web.Request) -> web.Response:
    return delete_one(_comment_of(request).properties, request)
