"""The control API (not JIRA) and the ``jira-sync emulator`` command."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from jira_sync.cli import main
from sandbox import Emulator, RunningSite, SiteConfig
from tests.sandbox.conftest import EMAIL, TOKEN, Jira, basic

CREDENTIALS = (EMAIL, TOKEN)


async def test_users_added_at_runtime_can_authenticate(jira: Jira, site: RunningSite) -> None:
    user = {
        "displayName": "Carol Hidden",
        "emailAddress": "carol@example.com",
        "emailVisible": False,
        "apiToken": "carol-token",
    }
    async with jira.session.post(f"{site.base_url}/_emulator/users", json=user) as answer:
        assert answer.status == 201
        account_id = (await answer.json())["accountId"]
    me = await jira.get(
        "/rest/api/3/myself", authorization=basic("carol@example.com", "carol-token")
    )
    assert (me.body["accountId"], me.body["emailAddress"]) == (account_id, "carol@example.com")
    found = (await jira.get("/rest/api/3/user/search?query=carol")).body
    assert [u["accountId"] for u in found] == [account_id]
    assert "emailAddress" not in found[0]


async def test_seed_and_state(jira: Jira, site: RunningSite) -> None:
    async with jira.session.post(f"{site.base_url}/_emulator/seed", json={"count": 3}) as answer:
        assert (await answer.json())["keys"] == ["PROJ1-1", "PROJ1-2", "PROJ1-3"]
    async with jira.session.get(f"{site.base_url}/_emulator/state") as answer:
        state = await answer.json()
    assert state["issues"] == ["PROJ1-1", "PROJ1-2", "PROJ1-3"]
    assert state["webhook"] is None
    assert site.emulator.deliveries == []


async def test_bad_control_input_is_400(jira: Jira, site: RunningSite) -> None:
    async with jira.session.put(
        f"{site.base_url}/_emulator/faults", json={"error_rate": 2}
    ) as answer:
        assert answer.status == 400


def test_cli_help_shows_an_example() -> None:
    result = CliRunner().invoke(main, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "jira-sync emulator --port 8081 --project PROJ1" in result.output
    assert "--rate-limits / --no-rate-limits" in result.output


def test_cli_requires_port_and_project() -> None:
    result = CliRunner().invoke(main, ["emulator", "--port", "0"])
    assert result.exit_code == 2
    assert "--project" in result.output


async def test_the_app_factory_serves_without_serve_emulator() -> None:
    emulator = Emulator(SiteConfig(project_key="ABC"))
    async with TestClient(TestServer(emulator.app())) as client:
        answer = await client.get(
            "/rest/api/3/project/ABC", headers={"Authorization": basic(*CREDENTIALS)}
        )
        assert answer.status == 200
        assert (await answer.json())["key"] == "ABC"
    assert emulator.contract_violations == []  # no contract configured: nothing checked
