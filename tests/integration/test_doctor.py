"""``jira-sync doctor`` against two emulated sites over real HTTP, the real Kafka broker
and DynamoDB Local of the fixtures: what is in order, what is not, and the fix."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jira_sync.cli import main
from projections.dynamo_table import delete_table, dynamodb_client, ensure_table
from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from sandbox.users import with_role
from streams.kafka_admin import ensure_topics
from streams.sync.kafka_io import worker_topics
from tests.infra import OPENAPI_SPEC, isolated_settings

pytestmark = pytest.mark.integration
TOKEN = "sandbox-token"


@dataclass
class Sites:
    one: RunningSite
    two: RunningSite
    env: dict[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def deployment_env(
    kafka: str, dynamodb: str, name: str, one: RunningSite, two: RunningSite
) -> dict[str, str]:
    """The doctor's environment: both sites signed in as the sync account (Cloud's email
    and token), the Kafka and DynamoDB of the fixtures."""
    signed_in = {
        f"JIRA_{number}_{what}": value
        for number, site in ((1, one), (2, two))
        for what, value in (
            ("BASE_URL", site.base_url),
            ("USERNAME", "sandbox@example.com"),
            ("API_TOKEN", TOKEN),
        )
    }
    return signed_in | {
        "WEBHOOK_SECRET": "doctor-secret",
        "MANAGEMENT_API_KEY": "doctor-key",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": name,
        "DYNAMODB_ENDPOINT_URL": dynamodb,
        "DYNAMODB_TABLE": name,
    }


@pytest.fixture
async def sites(
    kafka_bootstrap: str, dynamodb_endpoint: str, unique_name: str
) -> AsyncIterator[Sites]:
    contract = OpenApiContract(OPENAPI_SPEC)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(
            serve_emulator(
                SiteConfig(project_key="PROJ1", contract=contract, integration_role="project-admin")
            )
        )  # site 2's account is a plain user: its edits notify watchers
        narrow = {  # site 2: priority not on the create screen, labels not on the edit screen
            "create_screen": frozenset({"project", "issuetype", "summary", "description",
                                        "labels", "components", "fixVersions", "duedate"}),
            "edit_screen": frozenset({"summary", "description", "priority", "components",
                                      "fixVersions", "duedate"}),
            "epic_types": (), "subtask_types": (),  # a flat project: Task, Bug, Story only
        }  # fmt: skip
        two = await stack.enter_async_context(
            serve_emulator(SiteConfig(project_key="PROJ2", contract=contract, **narrow))
        )
        one.emulator.seed_issues(1)
        two.emulator.seed_issues(1)
        env = deployment_env(kafka_bootstrap, dynamodb_endpoint, unique_name, one, two)
        yield Sites(one, two, env)
        assert one.emulator.contract_violations == []
        assert two.emulator.contract_violations == []
    delete_table(dynamodb_client(dynamodb_endpoint, "us-east-1"), unique_name)


async def doctor(env: dict[str, str], *args: str) -> Result:
    """The CLI in a thread (it runs its own event loop) while the sites answer in ours."""
    command = ["doctor", "--env-file", "/nonexistent/.env", "--timeout", "10", *args]
    return await asyncio.to_thread(CliRunner().invoke, main, command, env=env)


def line(result: Result, start: str) -> str:
    found = [text for text in result.output.splitlines() if text.startswith(start)]
    assert len(found) == 1, result.output
    return found[0]


def fix_after(result: Result, start: str) -> str:
    lines = result.output.splitlines()
    index = lines.index(line(result, start))
    return lines[index + 1].strip()


async def test_a_fresh_deployment_warns_and_the_screens_fail(sites: Sites) -> None:
    result = await doctor(sites.env)
    assert result.exit_code == 1, result.output
    for check in ("credentials", "project", "permissions", "create screen", "edit screen"):
        assert line(result, f"OK    site 1 {check} ")
    assert "(the account is project admin of PROJ1)" in line(result, "OK    site 1 notifications")
    assert "edits email the watchers of PROJ2 issues" in line(result, "WARN  site 2 notifications")
    assert fix_after(result, "WARN  site 2 notifications") == (
        "fix: make the account an administrator of project PROJ2, or accept the emails"
    )
    assert "as Sync Integration <sandbox@example.com>" in line(result, "OK    site 2 credentials")
    create = line(result, "FAIL  site 2 create screen")
    assert "not on the create screen of Task, Bug, Story: priority;" in create
    assert fix_after(result, "FAIL  site 2 create screen") == (
        "fix: add priority to the create screen of those issue types in PROJ2"
    )
    edit = line(result, "WARN  site 2 edit screen")
    assert "(read from PROJ2-1): labels;" in edit
    assert "not created yet" in line(result, "WARN  kafka topics")
    assert line(result, "OK    kafka ").endswith(
        f"broker(s) at {sites.env['KAFKA_BOOTSTRAP_SERVERS']}"
    )
    assert "does not exist yet" in line(result, "WARN  dynamodb")
    assert result.output.rstrip().endswith("problems found")


async def test_a_deployment_in_order_passes(sites: Sites, kafka_bootstrap: str) -> None:
    settings = isolated_settings(kafka_topic_prefix=sites.env["KAFKA_TOPIC_PREFIX"])
    await ensure_topics(kafka_bootstrap, worker_topics(settings), 30.0)
    client = dynamodb_client(sites.env["DYNAMODB_ENDPOINT_URL"], "us-east-1")
    await asyncio.to_thread(ensure_table, client, sites.env["DYNAMODB_TABLE"])
    sites.two.emulator.screens = sites.one.emulator.screens
    account = sites.two.emulator.users.get(sites.two.emulator.config.integration_account_id)
    assert account is not None
    with_role(account, "project-admin", "PROJ2")

    result = await doctor(sites.env)
    assert result.exit_code == 0, result.output
    *findings, verdict = result.output.strip().splitlines()
    assert all(text.startswith("OK    ") for text in findings), result.output
    assert verdict.endswith(" OK, 0 WARN, 0 FAIL: no failures")
    assert "compacted" in line(result, "OK    kafka topics")
    assert f"table {sites.env['DYNAMODB_TABLE']} ACTIVE" in line(result, "OK    dynamodb")


async def test_a_wrong_token_fails_with_the_fix(sites: Sites) -> None:
    result = await doctor(sites.env | {"JIRA_2_API_TOKEN": "not-the-token"})
    assert result.exit_code == 1
    assert line(result, "FAIL  site 2 credentials").endswith("JIRA refused the credentials (401)")
    fix = fix_after(result, "FAIL  site 2 credentials")
    assert fix.startswith(
        "fix: check JIRA_2_USERNAME (the account's email address) and JIRA_2_API_TOKEN"
    )
    assert "not checked: the credentials were refused (401)" in line(result, "FAIL  site 2 project")
    assert line(result, "OK    site 1 credentials")  # the other site is checked all the same


async def test_unreachable_kafka_and_dynamodb_fail_without_stopping_the_rest(sites: Sites) -> None:
    down = {
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "DYNAMODB_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
    }
    result = await doctor(sites.env | down, "--timeout", "6")
    assert result.exit_code == 1
    assert "no answer from 127.0.0.1:" in line(result, "FAIL  kafka")
    assert fix_after(result, "FAIL  kafka").startswith("fix: check KAFKA_BOOTSTRAP_SERVERS")
    assert "no answer from http://127.0.0.1:" in line(result, "FAIL  dynamodb")
    assert fix_after(result, "FAIL  dynamodb").startswith("fix: check DYNAMODB_ENDPOINT_URL")
    assert line(result, "OK    site 1 credentials")
    assert line(result, "OK    site 2 permissions")


async def test_the_jql_filters_are_searched_once_each(sites: Sites, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('filters: {jql: {1: "labels = partner", 2: "prority = High"}}\n')
    result = await doctor(sites.env | {"MAPPING_FILE": str(mapping)})
    assert result.exit_code == 1
    assert line(result, "OK    site 1 jql filter").endswith("JIRA accepts labels = partner")
    assert line(result, "FAIL  site 2 jql filter").endswith(
        "JIRA refuses prority = High: Field 'prority' does not exist or you do not have "
        "permission to view it."
    )
    assert fix_after(result, "FAIL  site 2 jql filter") == (
        "fix: correct filters.jql.2 in the mapping file (MAPPING_FILE)"
    )


async def doctor_of(sites: Sites, tmp_path: Path, *connections: str) -> Result:
    """The doctor with a connections file listing ``connections`` (YAML flow mappings)."""
    path = tmp_path / "connections.yaml"
    path.write_text("connections:\n" + "".join(f"  - {entry}\n" for entry in connections))
    return await doctor(sites.env | {"SYNC_CONNECTIONS_FILE": str(path)})


async def test_every_connection_is_checked_on_both_sites(sites: Sites, tmp_path: Path) -> None:
    """A connections file: the sign-in once per site, each connection's project, screens
    and filters on each site, named by connection; a missing project fails its own lines."""
    (tmp_path / "alpha.yaml").write_text('filters: {jql: {2: "labels = partner"}}\n')
    result = await doctor_of(
        sites,
        tmp_path,
        "{name: alpha, projects: {1: PROJ1, 2: PROJ2}, mapping: alpha.yaml}",
        "{name: beta, projects: {1: GONE, 2: GONETOO}}",
    )
    assert result.exit_code == 1
    assert line(result, "OK    configuration").endswith("projects: see connections")
    assert line(result, "OK    connections").endswith(
        "2: alpha (PROJ1 <-> PROJ2); beta (GONE <-> GONETOO)"
    )
    for number in (1, 2):
        assert line(result, f"OK    site {number} credentials")
        assert line(result, f"OK    site {number} alpha project")
        beta = [text for text in result.output.splitlines() if f"site {number} beta " in text]
        assert beta
        assert all(text.startswith("FAIL") for text in beta)
        assert f"fix: check connection beta's projects.{number} in SYNC_CONNECTIONS_FILE" in (
            result.output
        )
        assert not [text for text in result.output.splitlines() if f"site {number} project" in text]
    assert line(result, "OK    site 2 alpha jql filter").endswith("JIRA accepts labels = partner")
    assert "site 1 alpha jql filter" not in result.output


async def test_a_project_in_two_connections_fails_the_configuration(
    sites: Sites, tmp_path: Path
) -> None:
    result = await doctor_of(
        sites,
        tmp_path,
        "{name: alpha, projects: {1: PROJ1, 2: PROJ2}}",
        "{name: beta, projects: {1: PROJ1, 2: OTHER}}",
    )
    assert result.exit_code == 1
    assert line(result, "FAIL  connections").endswith(
        "project PROJ1 on site 1 is in both alpha and beta"
    )
