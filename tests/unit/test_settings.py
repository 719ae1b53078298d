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
        "JIRA_1_API_TOKEN=tok-123-secret\nWEBHOOK_SECRET=hook-secret-of-16+\nSYNC_ASSIGNEE=true\n"
        "JIRA_2_BASE_URL=https://vendor.atlassian.net\nJIRA_2_USERNAME=bot@vendor.example\n"
        "JIRA_2_API_TOKEN=tok-456-secret\n"
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


REAL = {
    "JIRA_1_BASE_URL": "https://acme.atlassian.net",
    "JIRA_1_USERNAME": "sync@acme.example",
    "JIRA_1_API_TOKEN": "t1",
    "JIRA_2_BASE_URL": "https://vendor.atlassian.net",
    "JIRA_2_USERNAME": "sync@vendor.example",
    "JIRA_2_API_TOKEN": "t2",
    "WEBHOOK_SECRET": "a-webhook-secret-of-32-characters",
    "MANAGEMENT_API_KEY": "a-management-key-of-32-characters",
}


def problems_of(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> list[str]:
    for name, value in (REAL | env).items():
        if value is not None:
            monkeypatch.setenv(name, value)
    try:
        load_settings(None)
    except ConfigError as error:
        return error.problems
    return []


def test_a_real_deployment_with_long_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert problems_of(monkeypatch) == []


@pytest.mark.parametrize(
    "url", ["http://acme.atlassian.net", "http://10.0.0.5:8080", "ftp://acme.atlassian.net"]
)
def test_jira_urls_must_be_https_unless_loopback(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    [problem] = problems_of(monkeypatch, JIRA_2_BASE_URL=url)
    assert problem.startswith("JIRA_2_BASE_URL:")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8081", "http://localhost:8082", "http://[::1]:1"]
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    site = {"jira_1_username": "u", "jira_1_api_token": SecretStr("t")}
    settings = Settings(_env_file=None, jira_1_base_url=url, **site)  # type: ignore[call-arg]
    assert settings.site(1).base_url == url


def test_one_site_configured_and_the_other_not_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"JIRA_2_BASE_URL": None, "JIRA_2_USERNAME": None, "JIRA_2_API_TOKEN": None}
    for name in env:
        monkeypatch.delenv(name, raising=False)
    [problem] = problems_of(monkeypatch, **env)
    assert "only JIRA site 1 is configured" in problem
    assert "JIRA_2_BASE_URL" in problem
    assert load_settings(None, both_sites=False).site(2).base_url is None  # one-site tools


def test_short_secrets_are_refused_outside_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = problems_of(monkeypatch, WEBHOOK_SECRET_1="short", MANAGEMENT_API_KEY="k" * 15)
    assert [p.split(":")[0] for p in problems] == ["WEBHOOK_SECRET_1", "MANAGEMENT_API_KEY"]
    assert all("at least 16 characters" in p for p in problems)


def test_short_secrets_are_fine_when_every_site_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    local = {"JIRA_1_BASE_URL": "http://127.0.0.1:8081", "JIRA_2_BASE_URL": "http://127.0.0.1:8082"}
    assert problems_of(monkeypatch, **local, WEBHOOK_SECRET="s", MANAGEMENT_API_KEY="k") == []
    monkeypatch.setenv("WEBHOOK_SECRET", "s")
    for name in ("JIRA_1_BASE_URL", "JIRA_2_BASE_URL", "JIRA_1_USERNAME", "JIRA_2_USERNAME"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("JIRA_1_API_TOKEN")
    monkeypatch.delenv("JIRA_2_API_TOKEN")
    assert load_settings(None).sandbox
