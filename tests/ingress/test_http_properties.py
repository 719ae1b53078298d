"""Random bodies and headers against the real HTTP handlers: never a 5xx, never a crash."""

from __future__ import annotations

import asyncio
import string
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.publisher import MemoryPublisher
from streams.jira.signature import sign
from tests.ingress.conftest import SECRET, Client, make_settings
from tests.ingress.test_receive_properties import SAMPLES, webhook_like

EXPECTED = {202, 400, 401, 404, 405, 413}
TOKEN = string.ascii_letters + string.digits + "-_"
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)
header_names = st.sampled_from(
    [
        "X-Hub-Signature",
        "X-Atlassian-Webhook-Identifier",
        "X-Atlassian-Webhook-Retry",
        "X-API-Key",
        "Content-Type",
    ]
) | st.text(TOKEN, min_size=1, max_size=20)
bodies = (
    st.binary(max_size=2000) | webhook_like() | st.sampled_from(SAMPLES).map(lambda b: b + b" ")
)
paths = st.sampled_from(["/webhook/jira1", "/webhook/jira2"]) | st.sampled_from(
    ["/manual-sync", "/webhook/x", "/health/details"]
)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[asyncio.Runner, Client]]:
    """One app for all examples (a crash would show in every later one)."""
    options = IngressOptions(max_body_bytes=max(map(len, SAMPLES)))
    app = create_app(make_settings(), MemoryPublisher(), options)

    async def start() -> Client:
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        return client

    with asyncio.Runner() as runner:
        client = runner.run(start())
        yield runner, client
        runner.run(client.close())


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=paths,
    body=bodies,
    headers=st.dictionaries(header_names, header_values, max_size=5),
    sign_it=st.sampled_from([True, True, False]),
)
def test_random_requests_never_get_a_5xx(
    served: tuple[asyncio.Runner, Client],
    path: str,
    body: bytes,
    headers: dict[str, str],
    sign_it: bool,
) -> None:
    runner, client = served
    if sign_it:
        headers = {**headers, "X-Hub-Signature": sign(body, SECRET)}

    async def post() -> int:
        async with client.post(path, data=body, headers=headers) as response:
            await response.read()
            return response.status

    status = runner.run(post())
    event(f"HTTP {status}")
    assert status in EXPECTED


def test_the_server_still_answers_after_the_random_requests(
    served: tuple[asyncio.Runner, Client],
) -> None:
    runner, client = served

    async def health() -> int:
        async with client.get("/health") as response:
            return response.status

    assert runner.run(health()) == 200
