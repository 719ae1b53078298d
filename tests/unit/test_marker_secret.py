"""The deployment secret that signs link markers (issue 16, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jira_sync.run.worker_cmd import sync_config, worker
from streams.settings import SANDBOX_MARKER_SECRET, ConfigError, Settings, load_settings
from tests.infra import isolated_settings

REAL = {
    "jira_1_base_url": "https://acme.atlassian.net",
    "jira_1_username": "bot@acme.example",
    "jira_1_api_token": "token-1",
    "jira_2_base_url": "https://vendor.atlassian.net",
    "jira_2_username": "bot@vendor.example",
    "jira_2_api_token": "token-2",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)


def test_real_sites_need_a_marker_secret_the_sandbox_has_a_fixed_one() -> None:
    sandbox = isolated_settings()
    assert sandbox.marker_secret_problem() is None
    assert sandbox.marker_secret().get_secret_value() == SANDBOX_MARKER_SECRET
    loopback = isolated_settings(
        jira_1_base_url="http://127.0.0.1:8081",
        jira_1_username="u",
        jira_1_api_token="t",
        jira_2_base_url="http://localhost:8082",
        jira_2_username="u",
        jira_2_api_token="t",
    )
    assert loopback.marker_secret_problem() is None  # the emulated sites of ``jira-sync up``
    real = isolated_settings(**REAL)
    problem = real.marker_secret_problem()
    assert problem is not None
    assert "SYNC_MARKER_SECRET" in problem
    chosen = isolated_settings(**REAL, sync_marker_secret="s" * 16)
    assert chosen.marker_secret_problem() is None
    assert sync_config(chosen).marker_secret.get_secret_value() == "s" * 16
    assert "s" * 16 not in repr(sync_config(chosen))


def test_a_short_marker_secret_is_refused(tmp_path: Path) -> None:
    env = tmp_path / "short.env"
    env.write_text("SYNC_MARKER_SECRET=too-short\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert "SYNC_MARKER_SECRET: must be at least 16 characters" in raised.value.render()


def test_the_worker_does_not_start_against_real_sites_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in REAL.items():
        monkeypatch.setenv(name.upper(), value)
    result = CliRunner().invoke(worker, ["--env-file", str(tmp_path / "none.env")])
    assert result.exit_code != 0
    assert "SYNC_MARKER_SECRET: required" in result.output
