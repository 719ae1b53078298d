"""``jira-sync doctor`` with site 2 a JIRA Data Center site (the emulator's datacenter
flavour over HTTP): the flavour confirmed by ``serverInfo``, every site check through REST
v2 with a personal access token; a Data Center site left configured as Cloud fails its
flavour line with the setting to change."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from projections.dynamo_table import delete_table, dynamodb_client
from sandbox import SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from tests.infra import OPENAPI_SPEC
from tests.integration.test_doctor import Sites, deployment_env, doctor, fix_after, line

pytestmark = pytest.mark.integration


@pytest.fixture
async def mixed(
    kafka_bootstrap: str, dynamodb_endpoint: str, unique_name: str
) -> AsyncIterator[Sites]:
    contract = OpenApiContract(OPENAPI_SPEC)
    cloud = SiteConfig(project_key="PROJ1", contract=contract, integration_role="project-admin")
    dc = SiteConfig(project_key="PROJ2", flavour="datacenter", integration_role="project-admin")
    async with serve_emulator(cloud) as one, serve_emulator(dc) as two:
        one.emulator.seed_issues(1)
        two.emulator.seed_issues(1)
        env = deployment_env(kafka_bootstrap, dynamodb_endpoint, unique_name, one, two)
        del env["JIRA_2_API_TOKEN"]
        env |= {
            "JIRA_2_FLAVOUR": "datacenter",
            "JIRA_2_USERNAME": "sandbox",
            "JIRA_2_PERSONAL_ACCESS_TOKEN": "sandbox-pat",
        }
        yield Sites(one, two, env)
        assert one.emulator.contract_violations == []
    delete_table(dynamodb_client(dynamodb_endpoint, "us-east-1"), unique_name)


async def test_a_data_center_site_is_checked_through_rest_v2(mixed: Sites) -> None:
    result = await doctor(mixed.env)
    assert "REST v3" in line(result, "OK    site 1 flavour")
    flavour = line(result, "OK    site 2 flavour")
    assert "JIRA DataCenter 9.12.0: REST v2" in flavour
    assert "as Sync Integration" in line(result, "OK    site 2 credentials")
    for check in ("project", "permissions", "notifications", "create screen", "edit screen"):
        assert line(result, f"OK    site 2 {check} ")
    calls = mixed.two.emulator.calls
    assert calls
    assert not [c.path for c in calls if c.path.startswith("/rest/api/3")]


async def test_a_data_center_site_configured_as_cloud_fails_with_the_setting(
    mixed: Sites,
) -> None:
    cloud = {k: v for k, v in mixed.env.items() if "FLAVOUR" not in k and "PERSONAL" not in k}
    result = await doctor(cloud | {"JIRA_2_API_TOKEN": "sandbox-token"})
    assert result.exit_code == 1
    assert "configured as cloud, the site is no REST API v3" in line(result, "FAIL  site 2 flavour")
    assert fix_after(result, "FAIL  site 2 flavour") == "fix: set JIRA_2_FLAVOUR=datacenter"
