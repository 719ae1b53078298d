"""``jira-sync ingress`` as an operator runs it: start, serve, SIGTERM, JSON logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from stack.probes import free_port
from streams.topics import Topics
from streams.wire import decode_event
from tests.ingress.conftest import SECRET, consume, sample, signed

pytestmark = pytest.mark.integration
SECRET_VARIABLES = ("WEBHOOK_SECRET", "WEBHOOK_SECRET_1", "WEBHOOK_SECRET_2", "MANAGEMENT_API_KEY")


def environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    return {**env, **values}


def start(tmp_path: Path, env: dict[str, str], *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "jira_sync", "ingress", "--env-file", str(tmp_path / "none")]
    return subprocess.Popen(
        [*command, *options], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def wait_for_health(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the ingress did not answer /health")


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{port}/webhook/jira1"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def stop(process: subprocess.Popen[str]) -> tuple[int, list[dict[str, Any]]]:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    return process.returncode, [json.loads(line) for line in stderr.splitlines()]


@pytest.fixture
def port() -> int:
    return free_port()


def test_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    process = start(tmp_path, environment(WEBHOOK_SECRET_1="only-one"))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "no webhook secret for WEBHOOK_SECRET_2" in stderr
    assert "--insecure-skip-signature" in stderr


async def test_serves_then_stops_on_sigterm_with_the_event_on_kafka(
    tmp_path: Path, port: int, kafka_bootstrap: str, unique_name: str
) -> None:
    env = environment(
        WEBHOOK_SECRET=SECRET,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=unique_name,
    )
    process = start(tmp_path, env, "--port", str(port))
    try:
        wait_for_health(port, process)
        body = sample()
        assert post(port, body, signed(body, identifier="cli-1")) == 202
        assert post(port, body, {"X-Hub-Signature": "sha256=00"}) == 401
    finally:
        code, logs = stop(process)
    assert code == 0
    messages = [entry["message"] for entry in logs]
    assert "ingress ready" in messages
    assert messages[-1] == "ingress stopped"
    assert SECRET not in json.dumps(logs)
    [record] = await consume(kafka_bootstrap, Topics(unique_name).events(1), 1, linger=0.5)
    assert decode_event(record.value, record.headers).webhook_id == "cli-1"


def test_the_insecure_flag_warns_at_every_start(tmp_path: Path, port: int) -> None:
    env = environment(KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}")
    process = start(
        tmp_path, env, "--port", str(port), "--insecure-skip-signature", "--publish-timeout", "0.5"
    )
    try:
        wait_for_health(port, process)
        body = sample()
        assert post(port, body, {}) == 503
    finally:
        code, logs = stop(process)
    assert code == 0
    warnings = [e for e in logs if e["level"] == "WARNING" and "INSECURE" in e["message"]]
    assert [w["unverified_sites"] for w in warnings] == [["jira1", "jira2"]]
