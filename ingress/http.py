"""HTTP plumbing shared by the webhook and management routes: JSON errors, body limits."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from pydantic import SecretStr

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_KEY_HEADER = "X-API-Key"


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.reason = f"body is larger than {limit} bytes"
        super().__init__(self.reason)


class Unauthorized(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def json_error(
    status: int, error: str, reason: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": error, "reason": reason}, status=status, headers=headers)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refused early when its declared length is over ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge(limit) from None


def check_api_key(request: web.Request, expected: SecretStr | None) -> None:
    """Raise ``Unauthorized`` unless ``X-API-Key`` equals the key (constant-time)."""
    if expected is None:
        raise Unauthorized("the management API is disabled: MANAGEMENT_API_KEY is not set")
    given = request.headers.get(API_KEY_HEADER)
    if not given:
        raise Unauthorized(f"missing {API_KEY_HEADER} header")
    received = given.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(received, expected.get_secret_value().encode()):
        raise Unauthorized(f"wrong {API_KEY_HEADER}")


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error answer is JSON; an unexpected exception is logged and answers 500."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return json_error(error.status, error.reason.lower().replace(" ", "_"), error.reason)
    except Exception:
        log.exception("unexpected error", extra={"path": request.path, "method": request.method})
        return json_error(500, "internal", "unexpected error; see the ingress log")
