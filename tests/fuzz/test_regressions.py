"""Answers the fuzzing found wrong, kept as plain examples."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator, Callable

import pytest

from ingress.context import IngressOptions
from streams.topics import Topics
from tests.ingress.conftest import Harness, MakeHarness, api_key, sample, signed

TOPICS = Topics("jira-sync-test")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "GZIP"])
@pytest.mark.parametrize("path", ["/webhook/jira1", "/manual-sync"])
async def test_a_body_that_does_not_decode_as_its_content_encoding_is_400(
    harness: Harness, path: str, encoding: str
) -> None:
    """It was 500 ("unexpected error"): aiohttp raises ``RequestPayloadError`` from read()."""
    body = b"this is not compressed"
    headers = {**signed(body), **api_key(), "Content-Encoding": encoding}
    response = await harness.client.post(path, data=body, headers=headers)
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "unreadable_body"
    assert f"Content-Encoding '{encoding}'" in answer["reason"]
    assert harness.publisher.records == []


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress])
async def test_a_compressed_webhook_is_read_decoded_and_its_signature_checked_on_that(
    harness: Harness, compress: Callable[[bytes], bytes]
) -> None:
    body = sample()
    encoding = "gzip" if compress is gzip.compress else "deflate"
    headers = {**signed(body, identifier="z-1"), "Content-Encoding": encoding}
    response = await harness.client.post("/webhook/jira1", data=compress(body), headers=headers)
    assert response.status == 202
    assert [record.topic for record in harness.publisher.records] == [TOPICS.events(1)]


@pytest.mark.parametrize("path", ["/webhook/jira1", "/manual-sync"])
@pytest.mark.parametrize("chunked", [True, False])
@pytest.mark.parametrize("extra", [0, 1, 2])
async def test_a_body_one_byte_over_the_limit_is_413_with_or_without_content_length(
    make_harness: MakeHarness, path: str, chunked: bool, extra: int
) -> None:
    """A chunked body of exactly limit + 1 bytes was accepted (202): aiohttp refuses only
    bodies over ``client_max_size``, which the app sets to limit + 1."""
    limit = 1000
    harness = await make_harness(options=IngressOptions(max_body_bytes=limit))
    body = b'{"full_resync": true}'.ljust(limit + extra)
    headers = {**signed(body), **api_key()}
    data = _stream(body) if chunked else body
    response = await harness.client.post(path, data=data, headers=headers)
    if extra:
        assert response.status == 413
        assert await response.json() == {
            "error": "too_large",
            "reason": f"body is larger than {limit} bytes",
        }
        assert harness.publisher.records == []
    else:
        assert response.status != 413


async def _stream(body: bytes) -> AsyncIterator[bytes]:
    yield body[:10]
    yield body[10:]


@pytest.mark.parametrize(
    "command",
    [
        {"issue_key": "PROJ1-1\n", "source_instance": 1},
        {"sync_id": "PROJ1-1#PROJ2-2\n", "resolution_direction": "jira_1_to_2"},
    ],
)
async def test_an_issue_key_or_sync_id_with_a_trailing_newline_is_refused(
    harness: Harness, command: dict[str, object]
) -> None:
    response = await harness.client.post("/manual-sync", json=command, headers=api_key())
    assert response.status == 400
    assert harness.publisher.records == []
