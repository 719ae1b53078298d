"""How ``jira-sync doctor`` classifies what it reads: JIRA's answers and errors, the
settings, Kafka's topics and DynamoDB's refusals. Pure: no I/O."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jira_sync.doctor import rules
from jira_sync.doctor.config import config_findings, invalid
from jira_sync.doctor.infra import _brokers, _client_error, topic_findings
from jira_sync.doctor.jira import site_view
from jira_sync.doctor.report import Finding, Outcome
from streams.jira.errors import (
    BadRequest,
    Forbidden,
    JiraUnavailable,
    RateLimited,
    ServerError,
    Unauthorized,
)
from streams.settings import ConfigError
from tests.infra import isolated_settings

FIELDS = ("summary", "description", "priority", "labels")
VIEW = rules.SiteView(
    number=2,
    base_url="https://vendor.atlassian.net",
    project="PROJ2",
    sandbox=False,
    fields=FIELDS,
    permissions=("BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES", "LINK_ISSUES"),
)
REAL_SITES = {
    "jira_1_base_url": "https://acme.atlassian.net",
    "jira_1_username": "sync@acme.example",
    "jira_1_api_token": "t1",
    "jira_2_base_url": "https://vendor.atlassian.net",
    "jira_2_username": "sync@vendor.example",
    "jira_2_api_token": "t2",
    "webhook_secret": "s",
    "management_api_key": "k",
}


def outcomes(findings: list[Finding]) -> list[tuple[str, Outcome]]:
    return [(f.check, f.outcome) for f in findings]


# --- JIRA errors ---------------------------------------------------------------------


def test_refused_credentials_name_the_variables_and_where_tokens_come_from() -> None:
    error = Unauthorized("GET", "/rest/api/3/myself", 401, ["Client must be authenticated"])
    finding = rules.jira_error(VIEW, "credentials", error, primary=True)
    assert (finding.check, finding.outcome) == ("site 2 credentials", Outcome.FAIL)
    assert finding.detail == "JIRA refused the credentials (401)"
    assert finding.fix is not None
    assert "JIRA_2_USERNAME" in finding.fix
    assert "JIRA_2_API_TOKEN" in finding.fix
    assert rules.TOKENS_PAGE in finding.fix


def test_the_other_checks_of_a_refused_site_point_at_the_credentials() -> None:
    error = Unauthorized("GET", "/rest/api/3/project/PROJ2", 401)
    finding = rules.jira_error(VIEW, "project", error)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail == "not checked: the credentials were refused (401)"
    assert finding.fix == "see 'site 2 credentials' first"


def test_no_answer_says_where_and_in_sandbox_mode_how_to_start_it() -> None:
    error = JiraUnavailable("GET", "/rest/api/3/myself", None, ["Connect call failed"])
    real = rules.jira_error(VIEW, "credentials", error, primary=True)
    assert real.detail == "no answer from https://vendor.atlassian.net: Connect call failed"
    assert real.fix == "check JIRA_2_BASE_URL and that this machine can reach it"
    sandbox = rules.SiteView(1, "http://127.0.0.1:8081", "PROJ1", True, FIELDS, ())
    local = rules.jira_error(sandbox, "credentials", error, primary=True)
    assert local.fix is not None
    assert "jira-sync emulator --port 8081 --project PROJ1" in local.fix
    assert rules.jira_error(sandbox, "edit screen", error).detail == (
        "not checked: no answer from http://127.0.0.1:8081"
    )


@pytest.mark.parametrize(
    ("error", "outcome", "said"),
    [
        (RateLimited("GET", "/x", 429, retry_after=5), Outcome.WARN, "rate limiting"),
        (ServerError("GET", "/x", 503), Outcome.FAIL, "JIRA answered 503"),
        (Forbidden("GET", "/x", 403, ["You are not allowed"]), Outcome.FAIL, "not allowed"),
    ],
)
def test_other_errors(error: Any, outcome: Outcome, said: str) -> None:
    finding = rules.jira_error(VIEW, "project", error, primary=True)
    assert finding.outcome is outcome
    assert said in finding.detail


# --- answers -------------------------------------------------------------------------


def test_myself_and_project() -> None:
    me = rules.myself(VIEW, {"displayName": "Sync", "emailAddress": "sync@vendor.example"})
    assert me.detail == "signed in to https://vendor.atlassian.net as Sync <sync@vendor.example>"
    project = rules.project(VIEW, {"name": "Vendor", "issueTypes": [{"name": "Task"}]})
    assert (project.outcome, project.detail) == (Outcome.OK, "PROJ2 (Vendor), issue types: Task")
    assert rules.project(VIEW, {"name": "Empty", "issueTypes": []}).outcome is Outcome.FAIL


def test_missing_permissions_fail_or_warn_by_what_breaks() -> None:
    held = {
        "BROWSE_PROJECTS": {"havePermission": True},
        "CREATE_ISSUES": {"havePermission": False},
        "EDIT_ISSUES": {"havePermission": True},
        "LINK_ISSUES": {"havePermission": False},
    }
    findings = rules.permissions(VIEW, held)
    assert [(f.outcome, f.detail) for f in findings] == [
        (Outcome.FAIL, "lacks CREATE_ISSUES: counterparts cannot be created"),
        (Outcome.WARN, "lacks LINK_ISSUES: no remote links between twins (the pair still syncs)"),
    ]
    assert (
        findings[0].fix
        == "grant the account CREATE_ISSUES in project PROJ2 (its permission scheme)"
    )
    everything = {key: {"havePermission": True} for key in VIEW.permissions}
    assert outcomes(rules.permissions(VIEW, everything)) == [("site 2 permissions", Outcome.OK)]
    assert rules.permissions(VIEW, {})[0].detail.startswith("lacks BROWSE_PROJECTS")


def meta(field_id: str, required: bool = False, default: bool = False) -> dict[str, Any]:
    return {"fieldId": field_id, "required": required, "hasDefaultValue": default}


def test_notifications_say_whether_the_sync_edits_quietly() -> None:
    """notifyUsers=false needs site or project admin: without either, a warning saying
    the sync's edits email the watchers (they still sync)."""
    plain = rules.notifications(VIEW, {"ADMINISTER": {"havePermission": False}})
    assert (plain.check, plain.outcome) == ("site 2 notifications", Outcome.WARN)
    assert "edits email the watchers of PROJ2 issues" in plain.detail
    assert plain.fix == "make the account an administrator of project PROJ2, or accept the emails"
    project = rules.notifications(VIEW, {"ADMINISTER_PROJECTS": {"havePermission": True}})
    assert (project.outcome, project.detail) == (
        Outcome.OK,
        "edits send no notification emails (the account is project admin of PROJ2)",
    )
    site = rules.notifications(VIEW, {"ADMINISTER": {"havePermission": True}})
    assert site.outcome is Outcome.OK
    assert "site admin" in site.detail


def test_create_screen_groups_issue_types_missing_the_same_fields() -> None:
    full = [meta(name) for name in ("project", "issuetype", *FIELDS)]
    no_labels = [m for m in full if m["fieldId"] not in ("labels", "priority")]
    screens = {"Task": full, "Bug": no_labels, "Story": no_labels}
    [finding] = rules.create_screen(VIEW, screens)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith("not on the create screen of Bug, Story: priority, labels;")
    assert finding.fix == "add priority, labels to the create screen of those issue types in PROJ2"
    [fine] = rules.create_screen(VIEW, {"Task": full})
    assert (fine.outcome, fine.detail) == (
        Outcome.OK,
        "summary, description, priority, labels settable for Task",
    )


def test_a_required_field_the_sync_never_sets_fails_the_create_screen() -> None:
    fields = [meta(n) for n in ("project", "issuetype", *FIELDS)]
    fields += [meta("customfield_1", required=True), meta("duedate", required=True, default=True)]
    fields += [meta("summary", required=True)]
    [finding] = rules.create_screen(VIEW, {"Bug": fields})
    assert finding.detail == (
        "customfield_1 is required on the create screen of Bug; the sync never sets it"
    )


def test_edit_screen_warns_with_the_fields_it_drops() -> None:
    finding = rules.edit_screen(VIEW, "PROJ2-7", {"summary": {}, "description": {}})
    assert finding.outcome is Outcome.WARN
    assert "(read from PROJ2-7): priority, labels;" in finding.detail
    assert finding.fix == "add priority, labels to the edit screen of project PROJ2"
    every = {name: {} for name in FIELDS}
    assert rules.edit_screen(VIEW, "PROJ2-7", every).outcome is Outcome.OK
    assert rules.no_issue(VIEW).outcome is Outcome.WARN


def test_custom_fields_resolve_by_unique_name_as_the_worker_does() -> None:
    view = rules.SiteView(2, "u", "PROJ2", False, FIELDS, (), ("Client", "Severity", "Gone"))
    catalogue = [
        {"id": "customfield_10101", "name": "client", "custom": True},
        {"id": "customfield_1", "name": "Severity", "custom": True},
        {"id": "customfield_2", "name": "Severity", "custom": True},
        {"id": "summary", "name": "Gone", "custom": False},
    ]
    ids, findings = rules.custom_ids(view, catalogue)
    assert ids == {"Client": "customfield_10101"}
    assert [f.detail for f in findings] == [
        "2 custom fields named 'Severity': not synced",
        "no custom field named 'Gone': not synced",
    ]


def test_a_site_view_asks_what_the_worker_needs() -> None:
    settings = isolated_settings(**REAL_SITES, sync_status_transitions=False)
    view = site_view(settings, 1)
    assert (view.base_url, view.project, view.sandbox) == (
        "https://acme.atlassian.net",
        "PROJ1",
        False,
    )
    assert {"summary", "description", "priority", "labels"} <= set(view.fields)
    assert "TRANSITION_ISSUES" not in view.permissions
    assert {"BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES", "LINK_ISSUES"} <= set(
        view.permissions
    )
    with_status = site_view(isolated_settings(), 2)
    assert with_status.sandbox
    assert with_status.base_url == "http://127.0.0.1:8082"
    assert "TRANSITION_ISSUES" in with_status.permissions
    assert "ADD_COMMENTS" in with_status.permissions  # SYNC_COMMENTS is on by default
    assert "DELETE_ISSUES" not in with_status.permissions
    quiet = site_view(isolated_settings(sync_comments=False, deletion_policy="delete"), 1)
    assert "ADD_COMMENTS" not in quiet.permissions
    assert "DELETE_ISSUES" in quiet.permissions


# --- configuration -------------------------------------------------------------------


def test_configuration_of_two_real_sites() -> None:
    findings = config_findings(isolated_settings(**REAL_SITES))
    assert all(f.outcome is Outcome.OK for f in findings)
    assert "site 1 https://acme.atlassian.net project PROJ1" in findings[0].detail


def test_configuration_problems() -> None:
    half = {k: v for k, v in REAL_SITES.items() if not k.startswith("jira_2")}
    half |= {"webhook_secret": None, "management_api_key": None}
    findings = config_findings(isolated_settings(**half))
    assert outcomes(findings) == [
        ("configuration", Outcome.OK),
        ("configuration", Outcome.WARN),  # site 2 falls back to the emulator
        ("webhook secret", Outcome.FAIL),  # real sites: the ingress would refuse to start
        ("management API key", Outcome.WARN),
    ]
    assert "JIRA_2_BASE_URL, JIRA_2_USERNAME and JIRA_2_API_TOKEN" in str(findings[1].fix)
    sandbox = config_findings(isolated_settings())
    assert ("webhook secret", Outcome.WARN) in outcomes(sandbox)  # `jira-sync up` makes one


def test_the_same_project_on_both_sides_fails() -> None:
    same = REAL_SITES | {
        "jira_2_base_url": REAL_SITES["jira_1_base_url"],
        "jira_2_project_key": "PROJ1",
    }
    findings = config_findings(isolated_settings(**same))
    assert ("configuration", Outcome.FAIL) in outcomes(findings)


def test_a_broken_mapping_file_fails(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("statuses: [not, a, map]\n")
    findings = config_findings(isolated_settings(mapping_file=mapping))
    [broken] = [f for f in findings if f.check == "mapping file"]
    assert broken.outcome is Outcome.FAIL
    assert "statuses" in broken.detail


def test_invalid_settings_are_one_failure_with_every_problem() -> None:
    error = ConfigError(["JIRA_1_PROJECT_KEY: bad", "KAFKA_BOOTSTRAP_SERVERS: bad"])
    finding = invalid(error)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail == "invalid: JIRA_1_PROJECT_KEY: bad; KAFKA_BOOTSTRAP_SERVERS: bad"


# --- Kafka and DynamoDB --------------------------------------------------------------


def test_topics_missing_are_a_warning_and_an_uncompacted_state_topic_a_failure() -> None:
    settings = isolated_settings(kafka_topic_prefix="acme", kafka_bootstrap_servers="k:9092")
    names = ("sync-state", "dead-letter", "retry", "pair-changes", "journal", "jira1.events")
    names = (*names, "jira2.events")
    changelogs = [f"worker-{table}-changelog" for table in ("pairs", "links-1", "links-2")]
    everything = {f"acme.{name}" for name in (*names, "commands", *changelogs)}
    assert outcomes(topic_findings(settings, everything, "compact")) == [
        ("kafka topics", Outcome.OK)
    ]
    missing = topic_findings(settings, everything - {"acme.commands"}, "compact")
    assert [(f.outcome, f.detail) for f in missing] == [
        (Outcome.WARN, "not created yet: acme.commands")
    ]
    [deleting] = topic_findings(settings, everything, "delete")
    assert deleting.outcome is Outcome.FAIL
    assert deleting.fix is not None
    assert "kafka.admin.ConfigCommand --bootstrap-server k:9092 --alter" in deleting.fix
    assert "--entity-name acme.sync-state --add-config cleanup.policy=compact" in deleting.fix
    [dropping] = topic_findings(settings, everything, "compact", "604800000")
    assert dropping.outcome is Outcome.WARN
    assert "dead letters are deleted unseen" in dropping.detail
    assert dropping.fix is not None
    assert "--entity-name acme.dead-letter --add-config retention.ms=-1" in dropping.fix


def test_a_replication_factor_above_the_broker_count_fails() -> None:
    cluster = {"brokers": [{"node_id": 1}]}
    assert _brokers(isolated_settings(), cluster).outcome is Outcome.OK
    too_many = _brokers(isolated_settings(kafka_replication_factor=3), cluster)
    assert too_many.outcome is Outcome.FAIL
    assert too_many.fix == "set KAFKA_REPLICATION_FACTOR to at most 1"


def test_dynamodb_refusals() -> None:
    settings = isolated_settings(dynamodb_table="state")

    def refusal(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "m"}}, "DescribeTable")

    absent = _client_error(settings, refusal("ResourceNotFoundException"))
    assert (absent.outcome, absent.fix) == (
        Outcome.WARN,
        "`jira-sync projections` creates it at start",
    )
    denied = _client_error(settings, refusal("AccessDeniedException"))
    assert denied.outcome is Outcome.FAIL
    assert "AccessDeniedException" in denied.detail
    assert denied.fix is not None
    assert "DescribeTable" in denied.fix


def test_a_jql_filter_jira_accepts_or_refuses_names_the_mapping_key() -> None:
    view = dataclasses.replace(VIEW, jql="labels = partner")
    accepted = rules.jql_filter(view, None)
    assert (accepted.outcome, accepted.detail) == (Outcome.OK, "JIRA accepts labels = partner")
    said = "Field 'labelz' does not exist or you do not have permission to view it."
    refused = rules.jql_filter(view, BadRequest("POST", "/rest/api/3/search/jql", 400, [said]))
    assert refused.outcome is Outcome.FAIL
    assert refused.detail == f"JIRA refuses labels = partner: {said}"
    assert refused.fix == "correct filters.jql.2 in the mapping file (MAPPING_FILE)"
