"""The request pipeline for ``/rest/``: contract check, faults, authentication, rate
limits, errors. Control paths (``/_emulator/``) only get the error handling.

Outermost first: the contract sees every answer the client sees (401, 429, injected 5xx).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sandbox.contract import OpenApiContract
from sandbox.errors import NOT_AUTHENTICATED, JiraError
from sandbox.http import ACTOR, ISSUE_ROUTE, Call
from sandbox.ratelimit import WRITES

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

LOG = logging.getLogger(__name__)
REMOTE_LINKS = "/rest/api/3/issue/{issueIdOrKey}/remotelink"
SERVER_ERRORS = (500, 502, 503, 504)
EDITS = (ISSUE_ROUTE, ISSUE_ROUTE.replace("/api/3/", "/api/2/"))  # Cloud's, Data Center's


def _rest(request: web.Request) -> bool:
    return request.path.startswith("/rest/")


def middlewares(emulator: Emulator) -> list[Middleware]:
    return [
        _contract(emulator),
        _faults(emulator),
        _authenticate(emulator),
        _rate_limit(emulator),
        _races(emulator),
        _errors,
    ]


def _contract(emulator: Emulator) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        contract = emulator.contract
        if contract is None or not _rest(request):
            return await handler(request)
        method, path = request.method, request.path
        body = await _sent_json(emulator, request)
        emulator.contract_violations += contract.check_request(method, path, body)
        response = await handler(request)
        emulator.contract_violations += _check_answer(contract, request, response)
        return response

    return check


async def _sent_json(emulator: Emulator, request: web.Request) -> Any:
    """The JSON body sent, for the check; multipart uploads are streamed, never read whole."""
    if request.content_type.startswith("multipart/"):
        return None
    sent = await request.read()
    try:
        return json.loads(sent) if sent else None
    except ValueError:
        message = f"{request.method} {request.path}: request body is not JSON"
        emulator.contract_violations.append(message)
        return None


def _check_answer(
    contract: OpenApiContract, request: web.Request, response: web.StreamResponse
) -> list[str]:
    body = json_of(response)
    method, path, status = request.method, request.path, response.status
    if _resource(request) == REMOTE_LINKS and isinstance(body, list):
        # The description declares one RemoteIssueLink; its own example (and JIRA) give
        # a list when no globalId is asked for: check each element instead.
        return [v for item in body for v in contract.check_response(method, path, status, item)]
    return contract.check_response(method, path, status, body)


def _resource(request: web.Request) -> str | None:
    route = request.match_info.route
    return route.resource.canonical if route.resource is not None else None


def _faults(emulator: Emulator) -> Middleware:
    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _rest(request):
            return await handler(request)
        faults, dice = emulator.faults, emulator.rest_rng
        jitter, error, conflict, timeout = (dice.random() for _ in range(4))
        await emulator.pause(faults.latency + jitter * faults.latency_jitter)
        if error < faults.error_rate:
            status = SERVER_ERRORS[int(error * 1000) % len(SERVER_ERRORS)]
            return JiraError(status, ["Internal server error"]).response()
        editing = request.method == "PUT" and _resource(request) in EDITS
        if editing and conflict < faults.conflict_rate:
            message = "Conflicting update: the issue was changed by another request. Retry."
            return JiraError(409, [message]).response()
        response = await handler(request)
        if timeout < faults.timeout_rate:
            await emulator.pause(faults.timeout_hold)
        return response

    return inject


def _authenticate(emulator: Emulator) -> Middleware:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _rest(request):
            return await handler(request)
        user = emulator.authenticate(request.headers.get("Authorization"))
        if user is None:
            return JiraError(401, [NOT_AUTHENTICATED]).response()
        request[ACTOR] = user
        response = await handler(request)
        done = emulator.clock.time()
        emulator.calls.append(Call(user.email, request.method, request.path, response.status, done))
        return response

    return authenticate


def _rate_limit(emulator: Emulator) -> Middleware:
    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        limiter = emulator.limiter
        if limiter is None or not _rest(request):
            return await handler(request)
        endpoint = _resource(request) or request.path
        refused = limiter.admit(request.method, endpoint, _issue_id(emulator, request))
        if refused is not None:
            headers = refused.datacenter_headers() if emulator.datacenter else refused.headers()
            return JiraError(429, ["Rate limit exceeded."], headers=headers).response()
        return await handler(request)

    return limit


def _races(emulator: Emulator) -> Middleware:
    """A test's edit (``Emulator.races``) made right before the integration account's next
    edit of that issue is handled: the lost update JIRA cannot prevent, made on purpose."""

    @web.middleware
    async def race(request: web.Request, handler: Handler) -> web.StreamResponse:
        actor = request.get(ACTOR)
        ours = actor is not None and actor.account_id == emulator.config.integration_account_id
        if ours and request.method == "PUT" and _resource(request) in EDITS:
            edit = emulator.races.pop(request.match_info.get("issueIdOrKey", ""), None)
            if edit is not None:
                edit()
        return await handler(request)

    return race


def _issue_id(emulator: Emulator, request: web.Request) -> str | None:
    wanted = request.match_info.get("issueIdOrKey")
    if wanted is None or request.method not in WRITES:
        return None
    try:
        return emulator.site.find(wanted).id
    except JiraError:
        return wanted


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except JiraError as error:
        return error.response()
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return JiraError(error.status, [error.reason]).response()
    except Exception:
        LOG.exception("emulator failed on %s %s", request.method, request.path)
        return JiraError(500, ["Internal server error"]).response()


def json_of(response: web.StreamResponse) -> Any:
    raw = response.body if isinstance(response, web.Response) else None
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"not JSON": raw[:80].decode(errors="replace")}  # fails the check, visibly
