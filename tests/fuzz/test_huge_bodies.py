"""Bodies around JIRA's real cap (25 MB, the ingress default), sent once each.

The generated fuzzing runs with a small limit so that thousands of oversized bodies stay
cheap; these few check the default limit itself, with and without ``Content-Length``,
and a gzip bomb (a small body that inflates far past the limit).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import AsyncIterator

import pytest

from ingress.context import JIRA_MAX_BODY, IngressOptions
from tests.ingress.conftest import Harness, MakeHarness, api_key, sample, signed

OVER = JIRA_MAX_BODY + 1


@pytest.fixture
async def default_limit(make_harness: MakeHarness) -> Harness:
    return await make_harness(options=IngressOptions(publish_timeout=5.0))


def padded_to(size: int) -> bytes:
    """A real webhook body padded to exactly ``size`` bytes, still valid JSON."""
    document = json.loads(sample())
    document["padding"] = ""
    document["padding"] = "x" * (size - len(json.dumps(document).encode()))
    body = json.dumps(document).encode()
    assert len(body) == size
    return body


async def chunks(body: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed to about a thousandth of that."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("path", ["/webhook/jira1", "/manual-sync"])
async def test_a_body_over_25_mb_is_413_and_nothing_is_published(
    default_limit: Harness, chunked: bool, path: str
) -> None:
    body = padded_to(OVER)
    headers = {**signed(body), **api_key()}
    data = chunks(body) if chunked else body
    response = await default_limit.client.post(path, data=data, headers=headers)
    assert response.status == 413
    assert (await response.json())["reason"] == f"body is larger than {JIRA_MAX_BODY} bytes"
    assert default_limit.publisher.records == []


async def test_a_signed_webhook_of_exactly_25_mb_is_accepted(default_limit: Harness) -> None:
    body = padded_to(JIRA_MAX_BODY)
    response = await default_limit.client.post("/webhook/jira1", data=body, headers=signed(body))
    assert response.status == 202
    assert len(default_limit.publisher.records) == 1


async def test_a_gzip_bomb_is_413_not_inflated_in_memory(default_limit: Harness) -> None:
    bomb = gzip_bomb(100)
    headers = {**signed(bomb), "Content-Encoding": "gzip"}
    response = await default_limit.client.post("/webhook/jira1", data=bomb, headers=headers)
    assert response.status == 413
    assert default_limit.publisher.records == []


def test_the_bomb_is_a_bomb() -> None:
    assert len(gzip.decompress(gzip_bomb(30))) == 30 << 20
