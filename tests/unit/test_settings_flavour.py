"""``JIRA_N_FLAVOUR`` and ``JIRA_N_PERSONAL_ACCESS_TOKEN``: a Data Center site's settings."""

from __future__ import annotations

import pytest

from streams.jira.sites import site_auth
from streams.settings import ConfigError, load_settings
from tests.unit.test_settings import _clean_env

__all__ = ["_clean_env"]
DC = {
    "JIRA_1_BASE_URL": "http://127.0.0.1:8081",
    "JIRA_1_USERNAME": "a",
    "JIRA_1_API_TOKEN": "t",
    "JIRA_2_BASE_URL": "https://jira.partner.example",
    "JIRA_2_USERNAME": "sync-bot",
    "JIRA_2_FLAVOUR": "datacenter",
    "SYNC_MARKER_SECRET": "a marker secret of some length",
    "WEBHOOK_SECRET": "a webhook secret, long enough",
    "MANAGEMENT_API_KEY": "a management key, long enough",
}


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_a_site_is_cloud_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, **(DC | {"JIRA_2_API_TOKEN": "a password, long enough"}))
    settings = load_settings(None)
    assert settings.site(1).flavour == "cloud"
    assert settings.site(2).flavour == "datacenter"
    auth = site_auth(settings, 2)
    assert auth.flavour == "datacenter"
    assert auth.header().startswith("Basic ")


def test_a_data_center_site_signs_in_with_a_personal_access_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, **(DC | {"JIRA_2_PERSONAL_ACCESS_TOKEN": "pat-0123"}))
    settings = load_settings(None)
    assert site_auth(settings, 2).header() == "Bearer pat-0123"
    assert "pat-0123" not in repr(settings)


def test_a_data_center_site_needs_a_password_or_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, **DC)
    with pytest.raises(ConfigError, match="JIRA_2_API_TOKEN"):
        load_settings(None)


def test_a_cloud_host_is_never_datacenter(monkeypatch: pytest.MonkeyPatch) -> None:
    cloud = {"JIRA_2_BASE_URL": "https://vendor.atlassian.net", "JIRA_2_API_TOKEN": "t"}
    _env(monkeypatch, **(DC | cloud))
    with pytest.raises(ConfigError, match=r"JIRA_2_FLAVOUR: vendor\.atlassian\.net is JIRA Cloud"):
        load_settings(None)


def test_a_personal_access_token_is_for_data_center_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, JIRA_1_PERSONAL_ACCESS_TOKEN="pat", **DC)
    with pytest.raises(ConfigError, match="JIRA_1_PERSONAL_ACCESS_TOKEN: only a Data Center"):
        load_settings(None)
