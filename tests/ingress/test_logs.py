"""JSON logs: one object per line, and no secret, signature or body at info level."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from pydantic import SecretStr

from streams.jira.signature import sign
from streams.logs import MASK, configure_logging
from tests.ingress.conftest import API_KEY, SECRET, MakeHarness, api_key, sample, signed

pytestmark = pytest.mark.usefixtures("restore_logging")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_its_extra_fields() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    logging.getLogger("x.y").info("hello %s", "world", extra={"site": 1, "when": object})
    logging.getLogger("x.y").debug("not shown")
    [entry] = lines(stream)
    assert entry["message"] == "hello world"
    assert (entry["level"], entry["logger"], entry["site"]) == ("INFO", "x.y", 1)
    assert entry["time"].endswith("+00:00")
    assert "object" in entry["when"]


def test_secrets_signatures_and_bodies_are_masked() -> None:
    stream = io.StringIO()
    configure_logging("INFO", secrets=[SecretStr("hunter2-secret"), None], stream=stream)
    log = logging.getLogger("x")
    signature = sign(b"body", "k")
    log.info("got %s with hunter2-secret", signature, extra={"api_key": "abc", "body": "raw"})
    log.info("typed", extra={"value": SecretStr("plain"), "payload": {"a": 1}})
    try:
        raise ValueError("boom hunter2-secret")
    except ValueError:
        log.exception("failed")
    text = stream.getvalue()
    assert "hunter2-secret" not in text
    assert signature.split("=")[1] not in text
    first, second, third = lines(stream)
    assert first["message"] == f"got sha256={MASK} with {MASK}"
    assert (first["api_key"], first["body"]) == (MASK, MASK)
    assert (second["value"], second["payload"]) == (MASK, MASK)
    assert "ValueError: boom" in third["exception"]


def test_bodies_are_shown_at_debug_level_only_and_configuring_twice_keeps_one_handler() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=io.StringIO())
    configure_logging("DEBUG", stream=stream)
    logging.getLogger("x").debug("d", extra={"body": "raw"})
    assert lines(stream) == [lines(stream)[0]]
    assert lines(stream)[0]["body"] == "raw"


async def test_the_ingress_never_logs_secrets_signatures_or_bodies(
    make_harness: MakeHarness,
) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=[SECRET, API_KEY], stream=stream)
    harness = await make_harness()
    body = sample()
    await harness.client.post("/webhook/jira1", data=body, headers=signed(body))
    await harness.client.post("/webhook/jira1", data=body, headers=signed(body, "not it"))
    await harness.client.post("/webhook/jira1", data=b"{oops", headers=signed(b"{oops"))
    await harness.client.post("/manual-sync", json={"full_resync": True}, headers=api_key())
    await harness.client.post("/manual-sync", json={}, headers=api_key(API_KEY + "x"))
    text = stream.getvalue()
    outcomes = [e.get("outcome") for e in lines(stream) if e["logger"] == "ingress.webhooks"]
    assert outcomes == ["accepted", "unauthorized", "not_json"]
    for forbidden in (SECRET, API_KEY, sign(body, SECRET)[7:], sign(body, "not it")[7:]):
        assert forbidden not in text
    assert "Unit test summary" not in text  # the sample's summary: bodies are not logged
