"""The whole pipeline, the plain path: a create and edits flow both ways without echo."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pipeline import fields_of, pipeline
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration


async def test_create_and_edits_flow_both_ways_without_echo(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        description = text_to_adf("Paper jam\n* tray 2")
        key = await p.create(1, "Printer on fire", description=description, labels=["ops"])
        await p.eventually(lambda: p.find(2, "Printer on fire") is not None)
        twin = p.find(2, "Printer on fire")
        assert twin is not None
        assert twin.properties["jira-sync.link"]["pair_id"].startswith("1:")
        assert twin.fields["labels"] == ["ops"]

        await p.edit(2, twin.key, summary="Printer fixed")
        await p.eventually(lambda: p.find(1, "Printer fixed") is not None)
        await p.transition(1, key, "In Progress")
        await p.eventually(lambda: twin.fields["status"]["name"] == "In Progress")
        await p.quiet()
        writes = (p.sync_writes(1), p.sync_writes(2))
        await p.quiet(still=3)
        assert (p.sync_writes(1), p.sync_writes(2)) == writes
        assert fields_of(p.issues(1)[key]) == fields_of(twin)
        assert len(p.issues(1)) == 1
        assert len(p.issues(2)) == 1
