"""Webhook text is not ADF, through the real pipeline (ingress, Kafka, worker process, two
emulated sites over HTTP): an issue created on site 1 with a heading, bold, a list and a
link in its description arrives on site 2 with exactly the same text characters (no wiki
markup taken for text), and no read more than before: the router's read of the new issue's
link marker brings its rich text along."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pipeline import pipeline
from harness.sites import SYNC_ACCOUNT
from tests.jira.test_rich_text import RICH, characters

pytestmark = pytest.mark.integration


async def test_a_rich_description_arrives_without_markup_characters(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        key = await p.create(1, "Rich text", description=RICH)
        await p.eventually(lambda: p.find(2, "Rich text") is not None)
        await p.quiet()
        twin = p.find(2, "Rich text")
        assert twin is not None
        assert characters(twin.fields["description"]) == characters(RICH)
        origin = p.issues(1)[key]
        reads = [
            c.path
            for c in p.sites[1].emulator.calls
            if c.email == SYNC_ACCOUNT
            and c.method == "GET"
            and c.path in (f"/rest/api/3/issue/{origin.id}", f"/rest/api/3/issue/{key}")
        ]
        assert len(reads) == 1, reads  # the router's marker read, which carried the text
