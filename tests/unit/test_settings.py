"""Settings: defaults, secrets, and one clear message for every bad variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.settings import ConfigError, ConflictPolicy, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_are_a_sandbox_with_the_seed_behaviour(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.env")
    assert settings.sandbox
    assert settings.sync_status_transitions is True
    assert settings.sync_assignee is False
    assert settings.conflict_policy is ConflictPolicy.MANUAL
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert (settings.jira_1_project_key, settings.jira_2_project_key) == ("PROJ1", "PROJ2")


def test_env_file_is_read_and_secrets_never_show(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "JIRA_1_BASE_URL=https://acme.atlassian.net/\nJIRA_1_USERNAME=bot@acme.example\n"
        "JIRA_1_API_TOKEN=tok-123-secret\nWEBHOOK_SECRET=hook-secret\nSYNC_ASSIGNEE=true\n"
    )
    settings = load_settings(env)
    site = settings.site(1)
    assert site.base_url == "https://acme.atlassian.net"
    assert isinstance(site.api_token, SecretStr)
    assert site.api_token.get_secret_value() == "tok-123-secret"
    assert settings.sync_assignee is True
    assert not settings.sandbox
    for text in (repr(settings), str(settings), repr(site)):
        assert "tok-123-secret" not in text
        assert "hook-secret" not in text


def test_per_site_webhook_secret_overrides_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "shared")
    monkeypatch.setenv("WEBHOOK_SECRET_2", "only-two")
    settings = load_settings(None)
    assert settings.webhook_secret_for(1) == SecretStr("shared")
    assert settings.webhook_secret_for(2) == SecretStr("only-two")


def test_settings_are_frozen() -> None:
    settings = load_settings(None)
    with pytest.raises(ValueError, match="frozen"):
        settings.sync_assignee = True  # type: ignore[misc]


def test_every_bad_variable_is_listed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_1_PROJECT_KEY", "lower-case")
    monkeypatch.setenv("SYNC_STATUS_TRANSITIONS", "perhaps")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "no-port-here")
    monkeypatch.setenv("CONFLICT_POLICY", "coin-toss")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    named = {problem.split(":")[0] for problem in caught.value.problems}
    assert named == {
        "JIRA_1_PROJECT_KEY",
        "SYNC_STATUS_TRANSITIONS",
        "KAFKA_BOOTSTRAP_SERVERS",
        "CONFLICT_POLICY",
    }


def test_a_partly_configured_site_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_2_BASE_URL", "https://vendor.atlassian.net")
    with pytest.raises(ConfigError, match="JIRA_2_USERNAME, JIRA_2_API_TOKEN"):
        load_settings(None)


def test_cli_exits_2_with_the_list_and_no_traceback(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "JIRA_1_BASE_URL": "not a url",
        "JIRA_1_API_TOKEN": "super-secret-token",
        "AWS_REGION": "mars",
    }
    result = subprocess.run(
        [sys.executable, "-m", "jira_sync", "config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name in ("JIRA_1_BASE_URL", "AWS_REGION", "JIRA_1_USERNAME"):
        assert name in result.stderr
    assert "super-secret-token" not in result.stderr + result.stdout


def test_cli_shows_effective_config_with_secrets_masked(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "MANAGEMENT_API_KEY": "mgmt-key-value"}
    result = subprocess.run(
        [sys.executable, "-m", "jira_sync", "config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "MANAGEMENT_API_KEY=**********" in result.stdout
    assert "mgmt-key-value" not in result.stdout
    assert "sandbox" in result.stderr


def test_env_example_documents_every_variable() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_the_readme_configuration_table_names_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| variable | default | meaning |") :].split("\n\n", 1)[0]
    named = {
        cell.strip("` ") for line in table.splitlines() for cell in line.split("|")[1].split(",")
    }
    assert {name.upper() for name in Settings.model_fields} <= named


def test_a_copy_of_env_example_is_a_valid_sandbox(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    settings = load_settings(env)
    assert settings.sandbox
    assert settings.webhook_secret is None
