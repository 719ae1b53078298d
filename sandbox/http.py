"""Request plumbing shared by the routes: typed app/request keys, bodies, parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import BAD_PAYLOAD, bad_request, not_found
from sandbox.model import Issue
from sandbox.site import Site
from sandbox.users import User

SITE = web.AppKey("site", Site)
ACTOR = web.RequestKey("actor", User)
ISSUE_ROUTE = "/rest/api/3/issue/{issueIdOrKey}"


def site_of(request: web.Request) -> Site:
    return request.app[SITE]


def actor_of(request: web.Request) -> User:
    return request[ACTOR]


def issue_of(request: web.Request) -> Issue:
    """The issue of the path; 404 also when the caller may not see it (``sandbox.security``)."""
    site = site_of(request)
    issue = site.find(request.match_info["issueIdOrKey"])
    actor = request.get(ACTOR)
    if actor is not None and not site.security.can_see(actor.account_id, issue.fields):
        raise not_found()
    return issue


async def json_body(request: web.Request) -> Any:
    """The parsed JSON body; JIRA's 400 when it is missing or not JSON."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(BAD_PAYLOAD) from None


async def json_object(request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request(BAD_PAYLOAD)
    return body


def csv(value: str | None) -> list[str] | None:
    """A comma separated parameter (``fields=a,b``), or None when absent."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def int_param(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"The value '{value}' is not valid for parameter '{name}'.") from None


def flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    return default if value is None else value.lower() == "true"


def no_content() -> web.Response:
    return web.Response(status=204)


@dataclass(frozen=True)
class Call:
    """One authenticated REST request, the status it was answered with, and when the
    answer was ready (the emulator's clock, seconds since the epoch)."""

    email: str
    method: str
    path: str
    status: int
    at: float = 0.0

    @property
    def write(self) -> bool:
        """A successful change of JIRA data (searches are POSTs but read nothing new)."""
        search = self.path.endswith(("/search/jql", "/rest/api/2/search"))  # Data Center's
        reads = self.method == "GET" or search
        return not reads and self.status < 300
