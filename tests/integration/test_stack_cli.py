"""`jira-sync stack up|status|down` as a user runs it, including its failure messages."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack import probes, process
from tests.infra import shared_stack_home

pytestmark = pytest.mark.integration


def jira_sync(
    *args: str, path: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path if path is not None else os.environ["PATH"]}
    return subprocess.run(
        [sys.executable, "-m", "jira_sync", "stack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def exports(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


@pytest.fixture
def bin_with_java(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    java = shutil.which("java")
    assert java is not None, "these tests need java on PATH"
    (folder / "java").symlink_to(java)
    return folder


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_up_twice_status_and_down_manage_exactly_one_stack(tmp_path: Path) -> None:
    cache_root = str(shared_stack_home().cache.parent)
    where = ["--home", cache_root, "--run-dir", str(tmp_path / "run")]
    first = jira_sync("up", *where, "--kafka-port", "0", "--dynamodb-port", "0")
    assert first.returncode == 0, first.stderr
    assert "started in" in first.stderr
    addresses = exports(first.stdout)
    try:
        assert probes.kafka_answers(addresses["KAFKA_BOOTSTRAP_SERVERS"])
        assert probes.dynamodb_answers(addresses["DYNAMODB_ENDPOINT_URL"])

        second = jira_sync("up", *where, "--kafka-port", "0", "--dynamodb-port", "0")
        assert second.returncode == 0, second.stderr
        assert "already running; nothing started" in second.stderr
        assert exports(second.stdout) == addresses

        status = jira_sync("status", *where)
        assert status.returncode == 0
        pids = [int(word[4:]) for word in status.stdout.split() if word.startswith("pid=")]
        assert len(pids) == 2
        assert all(process.alive(pid, None) for pid in pids)
        assert status.stdout.count("running") == 2
    finally:
        down = jira_sync("down", *where)
    assert down.returncode == 0
    assert "stopped kafka, dynamodb" in down.stdout
    assert not any(process.alive(pid, None) for pid in pids)
    assert jira_sync("status", *where).returncode == 1
    assert "nothing was running" in jira_sync("down", *where).stdout


def test_missing_java_is_a_clear_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = jira_sync("up", "--home", str(tmp_path / "home"), path=str(empty))
    assert result.returncode == 1
    assert "`java` was not found on PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_taken_kafka_port_is_a_clear_message(tmp_path: Path, taken_port: int) -> None:
    result = jira_sync("up", "--home", str(tmp_path / "home"), "--kafka-port", str(taken_port))
    assert result.returncode == 1
    assert f"port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "--kafka-port" in result.stderr
    assert "Traceback" not in result.stderr


def test_taken_dynamodb_port_is_a_clear_message(tmp_path: Path, taken_port: int) -> None:
    result = jira_sync(
        "up",
        "--home",
        str(tmp_path / "home"),
        "--kafka-port",
        "0",
        "--dynamodb-port",
        str(taken_port),
    )
    assert result.returncode == 1
    assert f"port {taken_port} on 127.0.0.1 is already in use, so DynamoDB Local" in result.stderr


def test_missing_maven_on_first_use_is_a_clear_message(tmp_path: Path, bin_with_java: Path) -> None:
    result = jira_sync(
        "up",
        "--home",
        str(tmp_path / "fresh"),
        "--kafka-port",
        "0",
        "--dynamodb-port",
        "0",
        path=str(bin_with_java),
    )
    assert result.returncode == 1
    assert "Maven (mvn) is needed once to download kafka" in result.stderr
    assert "Traceback" not in result.stderr


def test_failed_download_is_a_clear_message(tmp_path: Path, bin_with_java: Path) -> None:
    fake_mvn = bin_with_java / "mvn"
    fake_mvn.write_text(
        "#!/bin/sh\n"
        "echo '[ERROR] Could not transfer artifact org.apache.kafka:kafka_2.13'\n"
        "exit 1\n"
    )
    fake_mvn.chmod(0o755)
    result = jira_sync(
        "up",
        "--home",
        str(tmp_path / "fresh"),
        "--kafka-port",
        "0",
        "--dynamodb-port",
        "0",
        path=f"{bin_with_java}:/usr/bin:/bin",
    )
    assert result.returncode == 1
    assert "downloading kafka from Maven Central failed (mvn exit 1)" in result.stderr
    assert "Could not transfer artifact" in result.stderr
    assert not (tmp_path / "fresh" / "run" / "stack.json").exists()
