"""Issue security over REST: the scheme and its levels as JIRA Cloud answers them
(``GET /rest/api/3/issuesecurityschemes``, ``GET /rest/api/3/securitylevel/{id}``:
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-security-schemes/),
and the emulator's control of who belongs to which level (not JIRA)::

    PUT /_emulator/security  {"members": {"<level id>": [accountId, ...]},
                              "without_browse": [accountId, ...]}
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from sandbox.errors import bad_request, not_found
from sandbox.http import json_body, site_of
from sandbox.security import INTERNAL

ROUTES = web.RouteTableDef()
SCHEME_ID = "10000"


class SecurityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: dict[str, list[str]] | None = None
    without_browse: list[str] | None = None


@ROUTES.get("/rest/api/3/issuesecurityschemes")
async def schemes(request: web.Request) -> web.Response:
    base = site_of(request).catalog.base
    scheme = {
        "self": f"{base}/rest/api/3/issuesecurityschemes/{SCHEME_ID}",
        "id": int(SCHEME_ID),
        "name": "Partner project security",
        "description": "Who may see the issues of the synced project.",
        "defaultSecurityLevelId": int(INTERNAL),
    }
    return web.json_response({"issueSecuritySchemes": [scheme]})


@ROUTES.get("/rest/api/3/securitylevel/{id}")
async def level(request: web.Request) -> web.Response:
    wanted = request.match_info["id"]
    found = site_of(request).catalog.find("security", "id", wanted)
    if found is None:
        raise not_found(f"Security level with id '{wanted}' does not exist.")
    return web.json_response(found)


@ROUTES.put("/_emulator/security")
async def set_security(request: web.Request) -> web.Response:
    site = site_of(request)
    try:
        change = SecurityChange.model_validate(await json_body(request))
    except ValidationError as error:
        raise bad_request(str(error)) from None
    unknown = set(change.members or {}) - {v["id"] for v in site.catalog.values("security")}
    if unknown:
        raise bad_request(f"unknown security level(s): {', '.join(sorted(unknown))}")
    site.security.update(change.members, change.without_browse)
    body: dict[str, Any] = site.security.state()
    return web.json_response(body)
