"""HTTP plumbing of the status endpoint: JSON errors, the API key, query parameters."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping
from pydantic import SecretStr

from projections import context as ctx
from projections.cursor import InvalidCursor
from projections.store import MAX_PAGE, StoreUnavailable
from streams.state import PairStatus

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_KEY_HEADER = "X-API-Key"
OPEN_PATHS = frozenset({"/health"})
LIST_PARAMETERS = ("state", "limit", "cursor")
STATE_VALUES = frozenset(state.value for state in PairStatus)
STATE_NAMES = ", ".join(state.value for state in PairStatus)
RETRY_AFTER = "5"


class BadRequest(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def json_error(
    status: int, error: str, reason: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": error, "reason": reason}, status=status, headers=headers)


def refusal(given: str | None, expected: SecretStr | None) -> str | None:
    """Why a request with ``X-API-Key: given`` is refused; None when it may pass."""
    if expected is None:
        return "the status API is disabled: MANAGEMENT_API_KEY is not set"
    if not given:
        return f"missing {API_KEY_HEADER} header"
    received = given.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(received, expected.get_secret_value().encode()):
        return f"wrong {API_KEY_HEADER}"
    return None


@web.middleware
async def require_api_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route but ``/health`` needs ``X-API-Key`` (compared in constant time)."""
    if request.path not in OPEN_PATHS:
        refused = refusal(request.headers.get(API_KEY_HEADER), request.app[ctx.API_KEY])
        if refused is not None:
            return json_error(401, "unauthorized", refused)
    return await handler(request)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error answer is JSON; an unexpected exception is logged and answers 500."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return json_error(error.status, error.reason.lower().replace(" ", "_"), error.reason)
    except (BadRequest, InvalidCursor) as error:
        return json_error(400, "bad_request", str(error))
    except StoreUnavailable as error:
        log.warning("projection store unavailable", extra={"error": str(error)})
        return json_error(503, "unavailable", str(error), {"Retry-After": RETRY_AFTER})
    except Exception:
        log.exception("unexpected error", extra={"path": request.path, "method": request.method})
        return json_error(500, "internal", "unexpected error; see the projections log")


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
