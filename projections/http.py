"""HTTP plumbing of the status endpoint: JSON errors, the API key, query parameters."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from projections import context as ctx
from projections.cursor import InvalidCursor
from projections.store import MAX_PAGE, StoreUnavailable
from streams.httpapi import API_KEY_HEADER, Handler, api_key_refusal, json_error
from streams.httpapi import json_errors as shared_json_errors
from streams.state import PairStatus

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})
CONSOLE_PREFIX = "/console"  # signed in by cookie instead (projections.console_routes)
LIST_PARAMETERS = ("state", "limit", "cursor")
STATE_VALUES = frozenset(state.value for state in PairStatus)
STATE_NAMES = ", ".join(state.value for state in PairStatus)
RETRY_AFTER = "5"


class BadRequest(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@web.middleware
async def require_api_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route but ``/health`` and the console's needs ``X-API-Key`` (compared in
    constant time); the console checks its own session cookie."""
    if request.path not in OPEN_PATHS and not _console(request):
        given = request.headers.get(API_KEY_HEADER)
        refused = api_key_refusal(given, request.app[ctx.API_KEY], "status API")
        if refused is not None:
            return json_error(401, "unauthorized", refused)
    return await handler(request)


def _console(request: web.Request) -> bool:
    """The route that matched (not the path as given, which a dot segment or an encoded
    slash could dress up) is one of the console's."""
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else ""
    return path == CONSOLE_PREFIX or path.startswith(f"{CONSOLE_PREFIX}/")


def _known(error: Exception) -> web.Response | None:
    if isinstance(error, BadRequest | InvalidCursor):
        return json_error(400, "bad_request", str(error))
    if isinstance(error, StoreUnavailable):
        log.warning("projection store unavailable", extra={"error": str(error)})
        return json_error(503, "unavailable", str(error), {"Retry-After": RETRY_AFTER})
    return None


json_errors = shared_json_errors("projections", _known)


@dataclass(frozen=True)
class ListQuery:
    state: PairStatus
    limit: int
    cursor: str | None


def parse_list_query(query: MultiMapping[str], default_limit: int) -> ListQuery:
    """``state`` (required), ``limit`` (1..100) and ``cursor``; anything else is refused."""
    unknown = sorted(set(query) - set(LIST_PARAMETERS))
    if unknown:
        raise BadRequest(
            f"unknown query parameter(s): {', '.join(unknown)}; "
            f"allowed: {', '.join(LIST_PARAMETERS)}"
        )
    state = _single(query, "state")
    if state is None:
        raise BadRequest(f"state is required: one of {STATE_NAMES}")
    if state not in STATE_VALUES:
        raise BadRequest(f"state must be one of {STATE_NAMES}, not {state[:40]!r}")
    return ListQuery(
        PairStatus(state), _limit(_single(query, "limit"), default_limit), _single(query, "cursor")
    )


def _single(query: MultiMapping[str], name: str) -> str | None:
    values = query.getall(name, [])
    if len(values) > 1:
        raise BadRequest(f"{name} is given more than once")
    return values[0] if values else None


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE}, not {raw[:40]!r}")
    return int(raw)
