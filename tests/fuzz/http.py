"""Sending generated requests to an in-process server and the properties every answer has.

The fuzz tests are synchronous hypothesis tests: each example is a batch of requests that
``Served.send`` fires concurrently on one event loop, against one app started for the whole
test (a crash or a wedged state would show in every later batch). Requests go through a
plain ``ClientSession`` to an absolute, already-encoded URL, so odd paths reach the server
as generated instead of being normalised by the test client.

Every answer must be below 500; a 4xx that has a body (not a HEAD) must be a JSON object
naming the error and the reason. Two exceptions, outside the app's reach, are refused by
aiohttp's HTTP parser itself (400 in plain text) before any handler runs, and counted
apart: a request line or header line over 8190 bytes, and a compressed body that does
not decompress when it arrives with the headers.
``Served.sent`` counts the requests that got an answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientResponseError, ClientSession, ClientTimeout, web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, Phase, settings
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

TIMEOUT = ClientTimeout(total=30)
# Batches are not shrunk: each replay is a round of HTTP requests, and the failing answer
# already names its request. A failing batch is printed, kept in hypothesis' example
# database (replayed first on the next run) and given as a ``@reproduce_failure`` blob.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def batch_settings(batches: int) -> settings:
    """Hypothesis settings of a fuzz test sending ``batches`` batches of requests."""
    return settings(
        max_examples=batches,
        deadline=None,
        print_blob=True,
        phases=NO_SHRINK,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


DECODED = frozenset({"gzip", "deflate", "br", "zstd"})  # bodies aiohttp decompresses
MAX_LINE = 8190  # aiohttp's max_line_size and max_field_size


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # already percent-encoded, sent as is
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    chunked: bool = False  # send without Content-Length

    def header(self, name: str) -> str | None:
        return CIMultiDict(self.headers).get(name)

    def __repr__(self) -> str:  # short enough for a falsifying example to be readable
        body = self.body if len(self.body) <= 200 else self.body[:200] + b"..."
        return (
            f"Request({self.method} {self.path[:200]!r}, headers={self.headers!r}, "
            f"body[{len(self.body)}]={body!r}, chunked={self.chunked})"
        )


@dataclass(frozen=True)
class Answer:
    request: Request
    status: int
    content_type: str
    body: bytes
    headers: CIMultiDictProxy[str]

    def json(self) -> Any:
        return json.loads(self.body)

    def explain(self) -> str:
        return f"{self.request!r} -> {self.status} {self.content_type} {self.body[:300]!r}"


@dataclass
class Served:
    """One app on a free loopback port, and a client session, on a private event loop."""

    runner: asyncio.Runner
    server: TestServer
    session: ClientSession
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    parser_refusals: int = 0

    def url(self, path: str) -> URL:
        return URL(f"http://127.0.0.1:{self.server.port}{path}", encoded=True)

    def send(self, requests: list[Request]) -> list[Answer]:
        """Send ``requests`` concurrently; check and return the answers in request order."""
        answers = self.runner.run(self._send_all(requests))
        for answer in answers:
            self.sent += 1
            self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
            if refused_by_parser(answer):
                self.parser_refusals += 1
                continue
            check_answer(answer)
        return answers

    async def _send_all(self, requests: list[Request]) -> list[Answer]:
        return list(await asyncio.gather(*(self._send(request) for request in requests)))

    async def _send(self, request: Request) -> Answer:
        try:
            return await self._exchange(request)
        except ClientResponseError as error:
            # aiohttp's server refuses a body that does not decompress with its own plain-text
            # 400 before the app sees it; from 3.14.5 its client cannot parse that answer
            # ("Data after `Connection: close`"). Counted as the parser's refusal it is.
            encoding = (request.header("Content-Encoding") or "").strip().lower()
            if error.status != 400 or encoding not in DECODED:
                raise
            return Answer(request, 400, "text/plain", b"", CIMultiDictProxy(CIMultiDict()))

    async def _exchange(self, request: Request) -> Answer:
        data: Any = _chunks(request.body) if request.chunked else request.body
        async with self.session.request(
            request.method,
            self.url(request.path),
            headers=list(request.headers),
            data=data,
            skip_auto_headers=("Content-Type",),
            allow_redirects=False,
        ) as response:
            body = await response.read()
            return Answer(request, response.status, response.content_type, body, response.headers)


async def _chunks(body: bytes, size: int = 65536) -> Any:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def refused_by_parser(answer: Answer) -> bool:
    """aiohttp's own plain-text 400 for a line too long or a body that does not decode."""
    if (answer.status, answer.content_type) != (400, "text/plain"):
        return False
    request = answer.request
    encoding = (request.header("Content-Encoding") or "").strip().lower()
    lines = [f"{request.method} {request.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    return encoding in DECODED or max(len(line.encode()) for line in lines) > MAX_LINE


def check_answer(answer: Answer) -> None:
    """No 5xx; a 4xx with a body is a JSON object with a non-empty error and reason."""
    assert answer.status < 500, f"server error: {answer.explain()}"
    if not 400 <= answer.status < 500 or answer.request.method == "HEAD":
        return
    assert answer.content_type == "application/json", f"4xx not JSON: {answer.explain()}"
    document = answer.json()
    assert isinstance(document, dict), answer.explain()
    for name in ("error", "reason"):
        value = document.get(name)
        assert isinstance(value, str), f"4xx without {name!r}: {answer.explain()}"
        assert value.strip(), f"4xx with an empty {name!r}: {answer.explain()}"


@contextmanager
def serve(app: web.Application) -> Iterator[Served]:
    """Start ``app`` on 127.0.0.1 (free port) with a session; stop both at the end."""
    with asyncio.Runner() as runner:

        async def start() -> tuple[TestServer, ClientSession]:
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            return server, ClientSession(timeout=TIMEOUT)

        server, session = runner.run(start())
        try:
            yield Served(runner, server, session)
        finally:

            async def stop() -> None:
                await session.close()
                await server.close()

            runner.run(stop())
