"""The ``site N flavour`` finding: the configured flavour against ``serverInfo`` (pure)."""

from __future__ import annotations

from jira_sync.doctor.flavour import judged
from jira_sync.doctor.report import Outcome
from jira_sync.doctor.rules import SiteView

VIEW = SiteView(2, "https://jira.example.com", "PROJ2", False, ("summary",), ())
CLOUD = {"deploymentType": "Cloud", "version": "1001.0.0-SNAPSHOT"}
DC = {"deploymentType": "DataCenter", "version": "9.12.0", "versionNumbers": [9, 12, 0]}


def test_a_site_of_the_configured_kind_is_ok() -> None:
    assert judged(VIEW, "cloud", CLOUD).outcome is Outcome.OK
    found = judged(VIEW, "datacenter", DC)
    assert found.outcome is Outcome.OK
    assert "9.12.0" in found.detail
    assert "REST v2" in found.detail
    assert "personal access tokens" not in found.detail


def test_a_site_of_the_other_kind_fails_with_the_setting_to_change() -> None:
    found = judged(VIEW, "cloud", DC)
    assert found.outcome is Outcome.FAIL
    assert found.fix == "set JIRA_2_FLAVOUR=datacenter"
    assert judged(VIEW, "datacenter", CLOUD).fix == "set JIRA_2_FLAVOUR=cloud"


def test_an_old_server_is_told_it_has_no_personal_access_tokens() -> None:
    old = {"deploymentType": "Server", "version": "8.5.0", "versionNumbers": [8, 5, 0]}
    found = judged(VIEW, "datacenter", old)
    assert found.outcome is Outcome.OK
    assert "no personal access tokens before 8.14" in found.detail


def test_an_unknown_deployment_type_is_not_taken_for_either() -> None:
    assert judged(VIEW, "datacenter", {"version": "9.0"}).outcome is Outcome.FAIL
