"""``jira-sync up`` as a user runs it: the sandbox starts, an issue made on site 1 appears
on site 2 and in the status API, and Ctrl-C leaves no process behind.

Kafka and DynamoDB are the test session's (given through the environment, so ``up`` starts
no stack of its own); every port is a free one, topics and table are unique.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from jira_sync.up.readiness import basic_auth, request_json
from stack.probes import free_port

pytestmark = pytest.mark.integration
T = TypeVar("T")
ALICE = basic_auth("alice@example.com", "alice-token")
NOT_PASSED_ON = ("JIRA_", "WEBHOOK_SECRET", "MANAGEMENT_API_KEY", "INGRESS_", "STATUS_")


def distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def eventually(probe: Callable[[], T | None], what: str, within: float = 30.0) -> T:
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(OSError, ValueError):
            found = probe()
            if found is not None:
                return found
        assert time.monotonic() < deadline, f"{what}: not seen within {within:.0f} s"
        time.sleep(0.3)


def gone(pid: int) -> bool:
    """No process with this pid, and no process group it led."""
    for check in (os.kill, os.killpg):
        try:
            check(pid, 0)
        except ProcessLookupError:
            continue
        return False
    return True


@contextlib.contextmanager
def running_up(argv: list[str], env: dict[str, str], stderr: Path) -> Iterator[Up]:
    with stderr.open("w") as sink:
        popen = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=sink, text=True, start_new_session=True
        )
        up = Up(popen, stderr)
        try:
            yield up
        finally:
            up.kill_leftovers()


class Up:
    def __init__(self, popen: subprocess.Popen[str], stderr: Path) -> None:
        self.popen = popen
        self.stderr = stderr
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.recorded: list[int] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_ready(self, within: float) -> str:
        deadline = time.monotonic() + within
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line is None or time.monotonic() > deadline:
                pytest.fail(f"jira-sync up not ready:\n{self.stderr.read_text()[-4000:]}")
            self.output.append(line)
            if line == "jira-sync up: ready":
                return "\n".join(self.output)

    def kill_leftovers(self) -> None:
        """After a failed test: nothing of this run may outlive it."""
        for pid in [self.popen.pid, *self.recorded]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


def line_value(output: str, label: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith(label))
    return line.strip()[len(label) :].split()[0]


def find_twin(site2: str, summary: str) -> str | None:
    answer = request_json(
        "POST",
        f"{site2}/rest/api/3/search/jql",
        {"jql": "project = PROJ2 ORDER BY created DESC", "fields": ["summary"], "maxResults": 50},
        ALICE,
    )
    keys = [i["key"] for i in answer["issues"] if i["fields"]["summary"] == summary]
    return str(keys[0]) if keys else None


def synced_pair(status: str, key: str, sync_id: str) -> dict[str, Any] | None:
    quoted = urllib.parse.quote(sync_id, safe="")
    item: dict[str, Any] = request_json(
        "GET", f"{status}/syncs/{quoted}", headers={"X-API-Key": key}
    )
    return item if item.get("state") == "synced" else None


def test_up_syncs_a_new_issue_and_ctrl_c_leaves_no_process(
    kafka_bootstrap: str, dynamodb_endpoint: str, unique_name: str, tmp_path: Path
) -> None:
    ingress, status, jira1, jira2 = distinct_free_ports(4)
    env = {key: value for key, value in os.environ.items() if not key.startswith(NOT_PASSED_ON)}
    env |= {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "KAFKA_TOPIC_PREFIX": unique_name,
        "DYNAMODB_TABLE": unique_name,
        "KAFKA_PARTITIONS": "2",
    }
    home = tmp_path / "home"
    run_dir = home / "run" / "up"  # up's default under --home: where operator commands look
    argv = [
        sys.executable,
        "-m",
        "jira_sync",
        "up",
        "--env-file",
        str(tmp_path / "none.env"),
        "--home",
        str(home),
        "--run-dir",
        str(run_dir),
        *("--ingress-port", str(ingress), "--status-port", str(status)),
        *("--jira1-port", str(jira1), "--jira2-port", str(jira2)),
    ]
    with running_up(argv, env, tmp_path / "up.err") as up:
        output = up.wait_ready(within=90)
        record = json.loads((run_dir / "up.json").read_text())
        children = {child["name"]: child["pid"] for child in record["children"]}
        up.recorded = list(children.values())
        assert set(children) == {"jira1", "jira2", "ingress", "worker", "projections"}
        assert "stack" not in record, "the session's Kafka and DynamoDB answer: no stack"
        assert "Seeded on site 1: PROJ1-1 -> PROJ2-" in output

        site1, site2 = f"http://127.0.0.1:{jira1}", f"http://127.0.0.1:{jira2}"
        status_url = f"http://127.0.0.1:{status}"
        key = line_value(output, "API key")
        summary = "Created while jira-sync up runs"
        body = {
            "fields": {
                "project": {"key": "PROJ1"},
                "issuetype": {"name": "Task"},
                "summary": summary,
            }
        }
        created = request_json("POST", f"{site1}/rest/api/3/issue", body, ALICE)["key"]
        twin = eventually(lambda: find_twin(site2, summary), "the counterpart on site 2")
        pair = eventually(
            lambda: synced_pair(status_url, key, f"{created}#{twin}"), "the synced pair in /syncs"
        )
        assert pair["site1"]["key"] == created
        overview = request_json("GET", f"{status_url}/status", headers={"X-API-Key": key})
        assert overview["counts"]["synced"] >= 4  # three demo issues and ours
        # an operator command next to it, with nothing configured: up's key and ports
        command = [sys.executable, "-m", "jira_sync", "status", "--json"]
        command += ["--env-file", str(tmp_path / "none.env")]
        asked = subprocess.run(
            command, env=env | {"JIRA_SYNC_HOME": str(home)}, capture_output=True, text=True
        )
        assert asked.returncode == 0, asked.stderr
        assert "from the sandbox" in asked.stderr
        assert json.loads(asked.stdout)["status"]["counts"]["synced"] >= 4

        up.popen.send_signal(signal.SIGINT)
        assert up.popen.wait(timeout=45) == 0, up.stderr.read_text()[-4000:]
        assert [name for name, pid in children.items() if not gone(pid)] == []
        assert not (run_dir / "up.json").exists()
        assert not (run_dir / "sandbox.env").exists()


def test_a_taken_port_stops_up_before_it_starts_anything(tmp_path: Path) -> None:
    ingress, jira1, jira2 = distinct_free_ports(3)
    env = {key: value for key, value in os.environ.items() if not key.startswith(NOT_PASSED_ON)}
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = subprocess.run(
            [
                *(sys.executable, "-m", "jira_sync", "up"),
                *("--env-file", str(tmp_path / "none.env"), "--home", str(tmp_path / "home")),
                *("--ingress-port", str(ingress), "--status-port", str(taken)),
                *("--jira1-port", str(jira1), "--jira2-port", str(jira2)),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert (
        f"port {taken} on 127.0.0.1 is already in use, so the status API cannot start there; "
        "choose another with --status-port N or STATUS_PORT"
    ) in result.stderr
    assert not (tmp_path / "home" / "run" / "stack.json").exists()
