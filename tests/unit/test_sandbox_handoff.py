"""Operator commands next to a running ``jira-sync up``: what it wrote fills in every
setting neither the environment nor the settings file gives; a stopped or killed ``up``
gives nothing; and the file is its owner's alone."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jira_sync.config_cmd import (
    SANDBOX_ENV,
    operator_settings,
    running_sandbox,
    sandbox_env_file,
    unset_of,
)
from jira_sync.up.handoff import handoff_text, write_handoff

ENV = {
    "MANAGEMENT_API_KEY": "generated-key-123",
    "STATUS_PORT": "18090",
    "KAFKA_TOPIC_PREFIX": "sandbox",
    "PYTHONUNBUFFERED": "1",
}


def dead_pid() -> int:
    command = [sys.executable, "-c", "import os; print(os.getpid())"]
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def unset(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Absent now, and absent again after the test (whatever the code under test set)."""
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_a_running_up_hands_over_its_settings_and_not_the_childrens_own(tmp_path: Path) -> None:
    path = write_handoff(tmp_path, ENV)
    assert path.name == SANDBOX_ENV
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = running_sandbox(path)
    assert found == {k: v for k, v in ENV.items() if k != "PYTHONUNBUFFERED"}


def test_a_killed_up_hands_over_nothing(tmp_path: Path) -> None:
    path = tmp_path / SANDBOX_ENV
    path.write_text(handoff_text(ENV, dead_pid()))
    assert running_sandbox(path) == {}
    assert running_sandbox(tmp_path / "absent.env") == {}


def test_a_value_on_more_than_one_line_is_refused() -> None:
    with pytest.raises(ValueError, match="MANAGEMENT_API_KEY"):
        handoff_text({"MANAGEMENT_API_KEY": "a\nb"}, 1)


def test_what_the_environment_or_the_settings_file_sets_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unset(monkeypatch, *ENV)
    monkeypatch.setenv("STATUS_PORT", "9999")
    env_file = tmp_path / ".env"
    env_file.write_text("KAFKA_TOPIC_PREFIX=mine\n")
    left = {"MANAGEMENT_API_KEY": "generated-key-123", "PYTHONUNBUFFERED": "1"}
    assert unset_of(ENV, env_file) == left


def test_an_operator_command_takes_the_sandboxs_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_SYNC_HOME", str(tmp_path))
    unset(monkeypatch, *ENV)
    run_dir = sandbox_env_file().parent
    run_dir.mkdir(parents=True)
    write_handoff(run_dir, ENV)
    settings = operator_settings(tmp_path / "no.env", both_sites=False)
    key = settings.management_api_key
    assert key is not None
    assert key.get_secret_value() == "generated-key-123"
    assert settings.status_port == 18090
    assert settings.kafka_topic_prefix == "sandbox"
