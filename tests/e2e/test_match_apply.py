"""Linking issues that already exist, through the real pipeline (the CLI, the command topic,
Kafka, the worker process, two emulated sites over HTTP): issues made before the
partnership (kept out of the sync by a filter, so each was seen and routed to a pair of
its own that never started) are matched by summary and created date; ``--apply`` links
them without creating any issue, a field that differs becomes a conflict, an equal pair is
synced, and edits then follow both ways (site 2's issue routed to its new pair); a second
``--apply`` changes nothing; ``jira-sync unlink`` ends a pair and leaves both issues."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from jira_sync.cli import main

pytestmark = pytest.mark.integration

LEGACY = {"labels": ["legacy"]}


async def cli(p: Pipeline, tmp: Path, *args: str) -> Result:
    env = {**p.env, "JIRA_SYNC_HOME": str(tmp)}  # no running sandbox's settings taken
    argv = [*args, "--env-file", str(tmp / "none.env")]
    return await asyncio.to_thread(CliRunner().invoke, main, argv, env=env)


def sync_writes(p: Pipeline) -> int:
    return sum(
        1
        for site in p.sites.values()
        for call in site.emulator.calls
        if call.email == SYNC_ACCOUNT and call.write
    )


async def pairs_by_id(p: Pipeline) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in (await p.pair_states()).items() if v.get("site2")}


async def test_existing_issues_are_linked_not_copied_and_unlinked_on_demand(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("filters: {exclude_labels: [legacy]}\n")
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        a1 = await p.create(1, "Alpha", priority={"name": "High"}, **LEGACY)
        b1 = await p.create(1, "Beta", **LEGACY)
        await p.create(1, "Gamma", **LEGACY)  # unmatched: stays alone
        a2 = await p.create(2, "Alpha", priority={"name": "Low"}, **LEGACY)
        b2 = await p.create(2, "Beta", **LEGACY)
        await p.quiet()
        assert sync_writes(p) == 0  # filtered: none of them synced
        issues = (len(p.issues(1)), len(p.issues(2)))

        applied = await cli(p, tmp_path, "match", "--rule", "summary-created", "--apply")
        assert applied.exit_code == 0, applied.output
        assert "sent 2 link commands (0 pairs linked already)" in applied.stderr

        async def both_linked() -> bool:
            return len(await pairs_by_id(p)) == 2

        await p.eventually(both_linked)
        await p.quiet()
        pairs = {v["site1"]["key"]: v for v in (await pairs_by_id(p)).values()}
        assert (pairs[a1]["site2"]["key"], pairs[b1]["site2"]["key"]) == (a2, b2)
        assert pairs[a1]["status"] == "conflicted"
        assert set(pairs[a1]["conflicts"]) == {"priority"}  # never overwritten on a guess
        assert pairs[b1]["status"] == "synced"
        assert (len(p.issues(1)), len(p.issues(2))) == issues  # nothing created
        assert p.issues(1)[a1].fields["priority"]["name"] == "High"
        assert p.issues(2)[a2].fields["priority"]["name"] == "Low"

        writes = sync_writes(p)
        again = await cli(p, tmp_path, "match", "--rule", "summary-created", "--apply")
        assert again.exit_code == 0, again.output
        assert "sent 0 link commands (2 pairs linked already)" in again.stderr
        await p.quiet()
        assert sync_writes(p) == writes  # the second apply changes nothing

        await p.edit(2, b2, summary="Beta, edited on site 2")  # routed to its new pair
        await p.eventually(lambda: p.issues(1)[b1].fields["summary"] == "Beta, edited on site 2")
        await p.edit(1, b1, duedate="2027-01-15")
        await p.eventually(lambda: p.issues(2)[b2].fields.get("duedate") == "2027-01-15")

        ended = await cli(p, tmp_path, "unlink", f"{a1}#{a2}")
        assert ended.exit_code == 0, ended.output

        async def orphaned() -> bool:
            state = (await p.pair_states()).get(pairs[a1]["pair_id"]) or {}
            return state.get("status") == "orphaned"

        await p.eventually(orphaned)
        await p.quiet()
        assert "jira-sync.link" not in p.issues(2)[a2].properties
        assert not any(link.global_id for link in p.issues(1)[a1].remote_links)
        assert not any(link.global_id for link in p.issues(2)[a2].remote_links)
        await p.edit(1, a1, summary="Alpha after the unlink")
        await p.quiet()
        assert p.issues(2)[a2].fields["summary"] == "Alpha"  # no longer synced
        assert (len(p.issues(1)), len(p.issues(2))) == issues
