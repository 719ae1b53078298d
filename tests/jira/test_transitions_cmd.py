"""`jira-sync transitions` against an emulated site with the strict workflow."""

from __future__ import annotations

import asyncio
import os
import sys

from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from tests.infra import OPENAPI_SPEC

CONTRACT = OpenApiContract(OPENAPI_SPEC)


async def cli(site: RunningSite, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "JIRA_1_BASE_URL": site.base_url,
        "JIRA_1_USERNAME": "sandbox@example.com",
        "JIRA_1_API_TOKEN": "sandbox-token",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "jira_sync",
        "transitions",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_lists_moves_and_explains_unreachable_targets() -> None:
    async with serve_emulator(
        SiteConfig(project_key="PROJ1", workflow="strict", contract=CONTRACT)
    ) as site:
        site.emulator.seed_issues(1)
        code, out, _ = await cli(site, "PROJ1-1", "--site", "1")
        assert code == 0
        assert "In Progress" in out

        code, _, err = await cli(site, "PROJ1-1", "--site", "1", "--to", "Done")
        assert code == 1
        assert "no transition leads to 'Done'" in err
        assert "In Progress" in err

        code, out, _ = await cli(site, "PROJ1-1", "--site", "1", "--to", "in progress")
        assert code == 0, out
        assert site.emulator.issues["PROJ1-1"].fields["status"]["name"] == "In Progress"

        code, out, _ = await cli(site, "PROJ1-1", "--site", "1")
        assert "Done  (requires resolution: Fixed, Won't Do, Duplicate, Cannot Reproduce)" in out
        code, out, err = await cli(site, "PROJ1-1", "--site", "1", "--to", "Done")
        assert code == 1
        assert "Resolution is required." in err  # no resolution is made up
        code, out, err = await cli(
            site, "PROJ1-1", "--site", "1", "--to", "Done", "--resolution", "Won't Do"
        )
        assert code == 0, err
        assert site.emulator.issues["PROJ1-1"].fields["status"]["name"] == "Done"
        assert site.emulator.issues["PROJ1-1"].fields["resolution"]["name"] == "Won't Do"
        assert site.emulator.contract_violations == []


async def test_unknown_issue_is_a_clear_error() -> None:
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        code, _, err = await cli(site, "PROJ1-99", "--site", "1")
        assert code == 1
        assert "HTTP 404" in err
        assert "Traceback" not in err
        assert site.emulator.contract_violations == []
