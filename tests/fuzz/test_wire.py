"""Fuzzing below the HTTP client: raw bytes on a socket to the ingress.

What a well-behaved client library refuses to send: CR/LF injected into header values
(trying to smuggle a second ``X-Hub-Signature`` or a response header), bare CR or LF, NUL,
obsolete line folding, conflicting ``Content-Length``/``Transfer-Encoding``, broken chunked
framing, unknown methods, odd request targets and versions, lines over aiohttp's 8 KiB
limits, compressed bodies that do not decompress.

Every request gets an answer below 500 and the server keeps serving. Requests the app
sees get its JSON errors; those aiohttp's HTTP parser refuses before any app code runs get
its own plain-text 400 (which the app cannot shape; accepted here, and counted). No
injected header ever appears in an answer, and a 202 always has a correct signature of
the body it was sent with.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.publisher import MemoryPublisher
from streams.jira.signature import sign
from tests.fuzz.http import Request, Served, batch_settings, serve
from tests.fuzz.strategies import SAMPLES, pick
from tests.ingress.conftest import API_KEY, SECRET, make_settings

QUOTA = 500  # requests this module must have sent (the fuzz suite's total is >= 10,000)
BATCH = 20
INJECTED = b"X-Injected-By-Fuzz"
TARGETS = (
    b"/webhook/jira1",
    b"/webhook/jira2",
    b"/manual-sync",
    b"/health",
    b"/health/details",
    b"/metrics",
    b"http://127.0.0.1/webhook/jira1",
    b"*",
    b"/../../etc/passwd",
    b"/webhook/jira1?\xff\xfe",
    b"/\xc3\xa9t\xc3\xa9",
    b"/webhook/\x00jira1",
    b"webhook/jira1",
    b"",
    b"/" + b"a" * 9000,
)
METHODS = (b"POST", b"GET", b"HEAD", b"post", b"FOO", b"CONNECT", b"P OST", b"\xff", b"")
VERSIONS = (b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1x", b"HTTP/9.9", b"", b"http/1.1")
FAULTS = (
    "none",
    "crlf in value",
    "signature smuggled",
    "response splitting",
    "bare cr",
    "bare lf",
    "nul",
    "obs fold",
    "space before colon",
    "empty name",
    "two lengths",
    "length and chunked",
    "bad chunk size",
    "chunk extension",
    "chunked trailer",
    "te gzip",
    "te twice",
    "long header",
    "many headers",
    "gzip garbage",
    "brotli",
)


@dataclass(frozen=True)
class Raw:
    method: bytes
    target: bytes
    version: bytes
    fault: str
    body: bytes
    signed: bool

    def __repr__(self) -> str:
        return (
            f"Raw({self.method!r} {self.target[:80]!r} {self.version!r}, fault={self.fault!r}, "
            f"body[{len(self.body)}], signed={self.signed})"
        )

    def encode(self) -> bytes:
        """The request's bytes, with its fault in the headers or the framing."""
        body = self.body
        signature = sign(body, SECRET).encode()
        headers = [b"Host: 127.0.0.1", b"Connection: close", b"X-API-Key: " + API_KEY.encode()]
        if self.signed:
            headers.append(b"X-Hub-Signature: " + signature)
        headers += FAULTY_HEADERS.get(self.fault, _no_headers)(signature)
        framing, payload = _framing(self.fault, body)
        head = b" ".join(part for part in (self.method, self.target, self.version) if part)
        return b"\r\n".join([head, *headers, *framing]) + b"\r\n\r\n" + payload


def _no_headers(signature: bytes) -> list[bytes]:
    return []


FAULTY_HEADERS: dict[str, Callable[[bytes], list[bytes]]] = {
    "crlf in value": lambda sig: [b"X-Atlassian-Webhook-Identifier: a\r\n" + INJECTED + b": 1"],
    "signature smuggled": lambda sig: [b"X-Note: x\r\nX-Hub-Signature: " + sig],
    "response splitting": lambda sig: [
        b"X-Atlassian-Webhook-Identifier: id\r\n\r\nHTTP/1.1 200 OK\r\n" + INJECTED + b": 1"
    ],
    "bare cr": lambda sig: [b"X-Atlassian-Webhook-Identifier: a\r" + INJECTED + b": 1"],
    "bare lf": lambda sig: [b"X-Atlassian-Webhook-Identifier: a\n" + INJECTED + b": 1"],
    "nul": lambda sig: [b"X-Atlassian-Webhook-Identifier: a\x00b"],
    "obs fold": lambda sig: [b"X-Atlassian-Webhook-Retry: 1", b" " + INJECTED + b": 1"],
    "space before colon": lambda sig: [b"X-Hub-Signature : " + sig],
    "empty name": lambda sig: [b": value"],
    "long header": lambda sig: [b"X-Long: " + b"v" * 9000],
    "many headers": lambda sig: [b"X-Many-%d: %d" % (n, n) for n in range(200)],
    "gzip garbage": lambda sig: [b"Content-Encoding: gzip"],
    "brotli": lambda sig: [b"Content-Encoding: br"],
}


def _framing(fault: str, body: bytes) -> tuple[list[bytes], bytes]:
    length = b"Content-Length: %d" % len(body)
    chunked = b"Transfer-Encoding: chunked"
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    framings = {
        "two lengths": ([length, b"Content-Length: %d" % (len(body) + 1)], body),
        "length and chunked": ([length, chunked], body),
        "bad chunk size": ([chunked], b"zz\r\n" + body + b"\r\n0\r\n\r\n"),
        "chunk extension": ([chunked], chunks.replace(b"\r\n", b";ext=" + b"e" * 100 + b"\r\n", 1)),
        "chunked trailer": ([chunked], chunks[:-2] + INJECTED + b": 1\r\n\r\n"),
        "te gzip": ([b"Transfer-Encoding: gzip, chunked"], chunks),
        "te twice": ([chunked, chunked], chunks),
    }
    return framings.get(fault, ([length], body))


@st.composite
def raws(draw: st.DrawFn) -> Raw:
    plain = draw(st.integers(0, 2)) == 0  # a third: well-formed request line
    return Raw(
        method=b"POST" if plain else pick(draw, METHODS),
        target=b"/webhook/jira1" if plain else pick(draw, TARGETS),
        version=b"HTTP/1.1" if plain else pick(draw, VERSIONS),
        fault=pick(draw, FAULTS),
        body=draw(st.sampled_from(SAMPLES[:10]) | st.binary(max_size=64)),
        signed=draw(st.booleans()),
    )


@dataclass(frozen=True)
class Reply:
    status: int
    head: bytes
    body: bytes


async def exchange(port: int, raw: Raw) -> Reply:
    """Send ``raw``; read the answer's status line, headers and body (or what came)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw.encode())
        await writer.drain()
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            body = await reader.readexactly(length) if length and raw.method != b"HEAD" else b""
    finally:
        writer.close()
    status = int(head.split(b" ", 2)[1])
    return Reply(status, head, body)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def check(raw: Raw, reply: Reply) -> bool:
    """The properties of one answer; True when aiohttp's parser refused the request."""
    explain = f"{raw!r} -> {reply.head[:300]!r} {reply.body[:200]!r}"
    assert reply.status < 500, f"server error: {explain}"
    assert INJECTED.lower() not in reply.head.lower(), f"injected header answered: {explain}"
    if reply.status == 202:
        assert raw.signed or raw.fault == "signature smuggled", f"202 unsigned: {explain}"
    if not 400 <= reply.status < 500 or raw.method == b"HEAD":
        return False
    if b"content-type: text/plain" in reply.head.lower():
        assert reply.status == 400, f"plain-text answer other than the parser's 400: {explain}"
        return True
    document = json.loads(reply.body)
    assert document["error"], explain
    assert document["reason"], explain
    return False


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    options = IngressOptions(max_body_bytes=64 * 1024)
    with serve(create_app(make_settings(), MemoryPublisher(), options)) as running:
        yield running


def test_raw_malformed_and_injected_requests_never_get_a_5xx(served: Served) -> None:
    port = served.server.port
    assert port is not None
    refused_by_parser = 0

    @batch_settings(QUOTA // BATCH + 2)
    @given(st.lists(raws(), min_size=BATCH, max_size=BATCH))
    def batch(raws: list[Raw]) -> None:
        nonlocal refused_by_parser

        async def send_all() -> list[Reply]:
            return list(await asyncio.gather(*(exchange(port, raw) for raw in raws)))

        replies = served.runner.run(send_all())
        for raw, reply in zip(raws, replies, strict=True):
            served.sent += 1
            served.statuses[reply.status] = served.statuses.get(reply.status, 0) + 1
            refused_by_parser += check(raw, reply)

    batch()
    assert served.sent >= QUOTA, f"only {served.sent} raw requests were sent"
    assert refused_by_parser < served.sent, "every request was refused before the app"
    [health] = served.send([Request("GET", "/health")])
    assert health.status == 200
