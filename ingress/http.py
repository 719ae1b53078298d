"""HTTP plumbing shared by the webhook and management routes: JSON errors, body limits."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import SecretStr

from streams.httpapi import API_KEY_HEADER, Handler, api_key_refusal, json_error
from streams.httpapi import json_errors as shared_json_errors

__all__ = ["Handler", "json_error"]


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.reason = f"body is larger than {limit} bytes"
        super().__init__(self.reason)


class UnreadableBody(Exception):
    """The body does not decode as its ``Content-Encoding`` says (answer 400, not 500)."""

    def __init__(self, encoding: str | None) -> None:
        shown = repr(encoding[:40]) if encoding else "(none)"
        self.reason = f"body cannot be read: it does not decode as Content-Encoding {shown}"
        super().__init__(self.reason)


class Busy(Exception):
    """Too many request bodies are being read at once (answer 503; JIRA retries)."""

    reason = "too many deliveries are being read at once; retry later"


class BodyReads:
    """At most ``limit`` request bodies read at once: slow senders hold a slot each, not
    the ingress's memory and connections without bound. A request that finds no slot
    within ``wait`` seconds is ``Busy``."""

    def __init__(self, limit: int, wait: float) -> None:
        self._slots = asyncio.Semaphore(limit)
        self.wait = wait

    async def take(self) -> None:
        """Take a slot: at once when one is free (no task, no timer), else within ``wait``
        seconds or ``Busy``. Give it back with ``release``."""
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except TimeoutError:
            raise Busy() from None

    def release(self) -> None:
        self._slots.release()


class Unauthorized(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refused early when its declared length is over ``limit``; a body
    that does not decode as its ``Content-Encoding`` (gzip, deflate) is ``UnreadableBody``."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge(limit) from None
    except web.RequestPayloadError:
        raise UnreadableBody(request.headers.get("Content-Encoding")) from None
    if len(body) > limit:  # aiohttp lets a body of client_max_size (limit + 1) through
        raise BodyTooLarge(limit)
    return body


def check_api_key(request: web.Request, expected: SecretStr | None) -> None:
    """Raise ``Unauthorized`` unless ``X-API-Key`` equals the key (constant-time)."""
    refused = api_key_refusal(request.headers.get(API_KEY_HEADER), expected, "management API")
    if refused is not None:
        raise Unauthorized(refused)


json_errors = shared_json_errors("ingress")
