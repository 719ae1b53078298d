"""Attachments over HTTP, streamed both ways: a file is never held whole in memory.

Upload: ``POST /rest/api/3/issue/{key}/attachments`` as multipart/form-data, the file in a
part named ``file``, with ``X-Atlassian-Token: no-check`` (JIRA blocks a multipart request
without it as XSRF: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-
issue-attachments/#api-rest-api-3-issue-issueidorkey-attachments-post); the body is sent
chunk by chunk from an async iterator. Download: ``GET /rest/api/3/attachment/content/{id}``
answers 303 to the media service (https://github.com/console-helpers/jira-api-restclient/
issues/234); the redirect is followed and the bytes are yielded as they arrive.

Neither is retried here: a stream cannot be replayed; the caller starts again (a new
iterator) when an upload fails with a retryable error.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import aiohttp
from aiohttp.payload import AsyncIterablePayload

from streams.jira.errors import JiraUnavailable, PermanentJiraError, error_for
from streams.jira.transport import JiraTransport

CHUNK = 64 * 1024
MEDIA_FILE = re.compile(r"/file/([^/?]+)/")
XSRF = {"X-Atlassian-Token": "no-check"}


class AttachmentTooLarge(PermanentJiraError):
    """413: the file is over the site's attachment limit (``GET /attachment/meta``)."""


async def upload(
    transport: JiraTransport,
    path: str,
    filename: str,
    chunks: AsyncIterable[bytes],
    mime_type: str = "application/octet-stream",
) -> Any:
    """POST one file to ``path``, streamed from ``chunks``; JIRA's decoded JSON answer."""
    form = aiohttp.MultipartWriter("form-data")
    part = form.append_payload(AsyncIterablePayload(chunks, content_type=mime_type))
    part.set_content_disposition("form-data", name="file", filename=filename)
    return await _send(transport, "POST", path, data=form, headers=XSRF)


async def download(transport: JiraTransport, path: str) -> AsyncIterator[bytes]:
    """The bytes behind ``path``, following JIRA's redirect to the media service."""
    await transport.limiter.acquire("GET", path)
    transport.calls["GET"] += 1
    try:
        async with transport.session.get(
            _url(transport, path), headers=_headers(transport), timeout=_timeout(transport)
        ) as response:
            if response.status >= 300:
                await _raise(transport, "GET", path, response)
            async for chunk in response.content.iter_chunked(CHUNK):
                yield chunk
    except (TimeoutError, aiohttp.ClientError) as error:
        raise JiraUnavailable("GET", path, None, [str(error) or type(error).__name__]) from error


async def media_id(transport: JiraTransport, path: str) -> str | None:
    """The media service's file id of an attachment: the ``/file/{id}/`` of the 303 JIRA
    answers to ``path`` (ADF media nodes name files by this id, not the attachment's)."""
    await transport.limiter.acquire("GET", path)
    transport.calls["GET"] += 1
    try:
        async with transport.session.get(
            _url(transport, path),
            headers=_headers(transport),
            timeout=_timeout(transport),
            allow_redirects=False,
        ) as response:
            if response.status != 303:
                if response.status >= 300:
                    await _raise(transport, "GET", path, response)
                return None
            location = response.headers.get("Location", "")
    except (TimeoutError, aiohttp.ClientError) as error:
        raise JiraUnavailable("GET", path, None, [str(error) or type(error).__name__]) from error
    found = MEDIA_FILE.search(location)
    return found.group(1) if found else None


async def _send(transport: JiraTransport, method: str, path: str, **kwargs: Any) -> Any:
    await transport.limiter.acquire(method, path)
    transport.calls[method] += 1
    headers = _headers(transport) | kwargs.pop("headers", {})
    try:
        async with transport.session.request(
            method, _url(transport, path), headers=headers, timeout=_timeout(transport), **kwargs
        ) as response:
            if response.status >= 300:
                await _raise(transport, method, path, response)
            return await response.json(content_type=None) if await response.read() else None
    except (TimeoutError, aiohttp.ClientError) as error:
        raise JiraUnavailable(method, path, None, [str(error) or type(error).__name__]) from error


async def _raise(
    transport: JiraTransport, method: str, path: str, response: aiohttp.ClientResponse
) -> None:
    transport.limiter.answered(method, path, response.status, response.headers)
    text = await response.text()
    try:
        body: Any = await response.json(content_type=None) if text else None
    except ValueError:
        body = text
    error = error_for(method, path, response.status, body, None)
    if response.status == 413:
        raise AttachmentTooLarge(method, path, 413, error.messages, error.errors)
    raise error


def _url(transport: JiraTransport, path: str) -> str:
    return transport.auth.base_url.rstrip("/") + path


def _headers(transport: JiraTransport) -> dict[str, str]:
    return {"Accept": "application/json", "Authorization": transport.auth.header()}


def _timeout(transport: JiraTransport) -> aiohttp.ClientTimeout:
    """The transport's total time-out would cut a large file short: no total, but a read
    may not stall longer than it."""
    return aiohttp.ClientTimeout(total=None, sock_read=transport.timeout.total)
