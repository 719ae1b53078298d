"""``/_emulator/...``: not JIRA. Read and change the running site from tests or a shell.

GET    /_emulator/state              counts, settings, contract violations
PUT    /_emulator/faults             Faults fields (replaces all; omitted = default)
PUT    /_emulator/rate-limits        RateLimits fields, or null to switch them off
PUT    /_emulator/screens            {"create": [ids] | null, "edit": [ids] | null}
PUT    /_emulator/webhook            {"url", "secret", "events"} or {"url": null}
GET    /_emulator/deliveries         the delivery log (state, attempts, payload)
DELETE /_emulator/deliveries         forget the log
POST   /_emulator/deliveries/wait    ?within=5: wait until no delivery is pending
GET    /_emulator/users              every user, with email and visibility
POST   /_emulator/users              {"displayName", "emailAddress", "emailVisible",
                                      "apiToken", "accountId", "role"}: add a user
GET    /_emulator/notifications      the notification emails the site would have sent
POST   /_emulator/seed               {"count": N}: N issues, made without webhooks
POST   /_emulator/move               {"issue", "project", "issuetype"?}: move one issue at
                                      once, as in the UI (sandbox.moves; JIRA's webhook)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.config import Faults, RateLimits
from sandbox.edits import Screens
from sandbox.errors import bad_request
from sandbox.http import json_body

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

EMULATOR: web.AppKey[Emulator] = web.AppKey("emulator")
ROUTES = web.RouteTableDef()


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(alias="displayName")
    email: str = Field(alias="emailAddress")
    email_visible: bool = Field(default=True, alias="emailVisible")
    api_token: str | None = Field(default=None, alias="apiToken")
    account_id: str | None = Field(default=None, alias="accountId")
    role: Literal["site-admin", "project-admin", "user"] = "user"


def _validated(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise bad_request(str(error)) from None


@ROUTES.get("/_emulator/state")
async def state(request: web.Request) -> web.Response:
    return web.json_response(request.app[EMULATOR].state())


@ROUTES.put("/_emulator/faults")
async def set_faults(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    emulator.faults = _validated(Faults, await json_body(request) or {})
    return web.json_response(emulator.faults.model_dump())


@ROUTES.put("/_emulator/rate-limits")
async def set_rate_limits(request: web.Request) -> web.Response:
    emulator, body = request.app[EMULATOR], await json_body(request)
    emulator.rate_limits = None if body is None else _validated(RateLimits, body)
    limits = emulator.rate_limits
    return web.json_response(None if limits is None else limits.model_dump())


@ROUTES.put("/_emulator/screens")
async def set_screens(request: web.Request) -> web.Response:
    emulator, body = request.app[EMULATOR], await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("expected {'create': [...] | null, 'edit': [...] | null}")
    defaults = Screens.defaults(emulator.site.catalog)
    create, edit = body.get("create"), body.get("edit")
    emulator.screens = Screens(
        frozenset(create) if create is not None else defaults.create,
        frozenset(edit) if edit is not None else defaults.edit,
    )
    return web.json_response(emulator.state()["screens"])


@ROUTES.put("/_emulator/webhook")
async def set_webhook(request: web.Request) -> web.Response:
    emulator, body = request.app[EMULATOR], await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("expected {'url': ..., 'secret': ..., 'events': [...]}")
    events = body.get("events")
    emulator.set_webhook(body.get("url"), body.get("secret"), events and frozenset(events))
    return web.json_response(emulator.state()["webhook"])


@ROUTES.get("/_emulator/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    log = request.app[EMULATOR].deliveries
    return web.json_response([delivery.summary() for delivery in log])


@ROUTES.delete("/_emulator/deliveries")
async def forget_deliveries(request: web.Request) -> web.Response:
    request.app[EMULATOR].deliveries.clear()
    return web.Response(status=204)


@ROUTES.post("/_emulator/deliveries/wait")
async def wait_for_deliveries(request: web.Request) -> web.Response:
    within = float(request.query.get("within", "5"))
    idle = await request.app[EMULATOR].wait_for_webhooks(within)
    return web.json_response({"idle": idle})


@ROUTES.get("/_emulator/users")
async def users(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    base = emulator.config.base_url
    body = [
        u.details(base, own=True) | {"emailVisible": u.email_visible} for u in emulator.users.all()
    ]
    return web.json_response(body)


@ROUTES.post("/_emulator/users")
async def add_user(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    new = _validated(NewUser, await json_body(request))
    user = emulator.add_user(
        new.display_name,
        new.email,
        email_visible=new.email_visible,
        api_token=new.api_token,
        account_id=new.account_id,
        role=new.role,
    )
    return web.json_response(user.details(emulator.config.base_url, own=True), status=201)


@ROUTES.get("/_emulator/notifications")
async def notifications(request: web.Request) -> web.Response:
    """The notification emails the site would have sent to watchers."""
    return web.json_response([vars(sent) for sent in request.app[EMULATOR].notifications])


@ROUTES.post("/_emulator/seed")
async def seed(request: web.Request) -> web.Response:
    body = await json_body(request)
    count = body.get("count") if isinstance(body, dict) else None
    if not isinstance(count, int) or not 0 < count <= 10_000:
        raise bad_request("expected {'count': N} with 0 < N <= 10000")
    keys = request.app[EMULATOR].seed_issues(count)
    return web.json_response({"keys": keys}, status=201)
