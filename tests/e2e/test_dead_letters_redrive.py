"""A dead letter of the real worker re-driven through its original path (issue 21, item 3):
a create the other site refuses for good is dead-lettered with the pair-changes record it
was handling; once the admin fixes the screen, ``jira-sync dead-letters redrive`` puts that
record back on pair-changes, the pair makes the issue, and a second redrive re-drives
nothing (the periodic retry is off, so only the redrive can bring the issue over)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.pipeline import Pipeline, pipeline
from jira_sync.cli import main
from sandbox.edits import Screens
from streams.topics import Topics

pytestmark = pytest.mark.integration


def redrive(p: Pipeline, *args: str) -> str:
    env = {"KAFKA_BOOTSTRAP_SERVERS": p.kafka, "KAFKA_TOPIC_PREFIX": p.prefix}
    command = ["dead-letters", "redrive", *args, "--env-file", str(p.tmp / "none.env")]
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_pair_changes_dead_letter_redriven_reaches_the_pair_once(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    creatable = frozenset({"description", "priority", "issuetype", "project", "labels"})
    options = {2: {"create_screen": creatable}}  # no summary: every create refused
    env = {"SYNC_RETRY_INTERVAL_SECONDS": "3600"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options, env=env) as p:
        key = await p.create(1, "Refused until the screen is fixed", labels=["ops"])

        async def dead() -> bool:
            return len(await p.dead_letters()) >= 1

        await p.eventually(dead, within=30)
        [letter] = await p.dead_letters()
        assert "summary" in letter["reason"]
        assert letter["record"]["topic"] == Topics(p.prefix).pair_changes
        p.sites[2].emulator.screens = Screens.defaults(p.sites[2].emulator.site.catalog)
        await asyncio.sleep(2)
        assert p.twin(2, key) is None  # nothing retries it by itself

        out = await asyncio.to_thread(redrive, p, "--reason", "summary")
        assert "1 re-driven, 0 skipped" in out
        await p.eventually(lambda: p.twin(2, key) is not None, within=30)
        await p.quiet()
        again = await asyncio.to_thread(redrive, p, "--reason", "")
        assert "0 re-driven, 1 skipped" in again
        await p.quiet()
        twin = p.twin(2, key)
        assert twin is not None
        assert twin.fields["labels"] == ["ops"]
        assert len(p.issues(2)) == 1
        assert len(await p.dead_letters()) == 1
