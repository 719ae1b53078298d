"""HTTP plumbing shared by the edges' aiohttp apps: JSON errors and the API key check."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import SecretStr

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_KEY_HEADER = "X-API-Key"


def json_error(
    status: int, error: str, reason: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": error, "reason": reason}, status=status, headers=headers)


def api_key_refusal(given: str | None, expected: SecretStr | None, api: str) -> str | None:
    """Why a request with ``X-API-Key: given`` is refused (constant-time); None to pass."""
    if expected is None:
        return f"the {api} is disabled: MANAGEMENT_API_KEY is not set"
    if not given:
        return f"missing {API_KEY_HEADER} header"
    received = given.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(received, expected.get_secret_value().encode()):
        return f"wrong {API_KEY_HEADER}"
    return None


def json_errors(
    service: str, mapped: Callable[[Exception], web.Response | None] | None = None
) -> Middleware:
    """An aiohttp middleware: every error answer is JSON; ``mapped`` turns known exceptions
    into answers, anything else unexpected is logged and answers 500."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return json_error(error.status, error.reason.lower().replace(" ", "_"), error.reason)
        except Exception as error:
            answer = mapped(error) if mapped is not None else None
            if answer is not None:
                return answer
            log.exception(
                "unexpected error", extra={"path": request.path, "method": request.method}
            )
            return json_error(500, "internal", f"unexpected error; see the {service} log")

    return middleware
