"""One entity's properties over REST: issues, comments and worklogs answer alike (the
rules are ``sandbox.properties``'s)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.errors import not_found
from sandbox.http import json_body, no_content
from sandbox.properties import check_property, missing


async def put_one(properties: dict[str, Any], request: web.Request) -> web.Response:
    """``PUT .../properties/{propertyKey}``: 201 when new, 200 when replaced."""
    key, value = request.match_info["propertyKey"], await json_body(request)
    check_property(key, value)
    existed = key in properties
    properties[key] = value
    return web.Response(status=200 if existed else 201)


def get_one(properties: dict[str, Any], request: web.Request) -> web.Response:
    key = request.match_info["propertyKey"]
    if key not in properties:
        raise not_found(missing(key))
    return web.json_response({"key": key, "value": properties[key]})


def delete_one(properties: dict[str, Any], request: web.Request) -> web.Response:
    key = request.match_info["propertyKey"]
    if key not in properties:
        raise not_found(missing(key))
    del properties[key]
    return no_content()
