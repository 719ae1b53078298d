"""A full resync reads no issue its search already described (``streams.sync.searched``):
the router takes the link marker of an issue made long before from the search, and a
counterpart made from a snapshot without files does not list the pair's attachments.
An issue made in the last minutes is still read: its search result may predate its marker.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from tests.e2e.test_attachments import attach, chunks_of, files

pytestmark = pytest.mark.integration


def issue_reads(p: Pipeline, site: int, key: str) -> int:
    """The sync account's reads of the issue itself (not its comments or transitions), by
    its id or its key."""
    paths = {f"/rest/api/3/issue/{ref}" for ref in (key, p.issues(site)[key].id)}
    calls = p.sites[site].emulator.calls
    return sum(
        1 for c in calls if c.email == SYNC_ACCOUNT and c.method == "GET" and c.path in paths
    )


async def test_a_resync_of_old_issues_reads_only_what_its_search_did_not_say(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("attachments: {max_bytes: 100000}\n")
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        one = p.sites[1].emulator
        target = one.dispatcher.target
        one.set_webhook(None)  # what happens now is seen only by the resync
        plain = one.seed_issues(3)
        [with_file] = one.seed_issues(1)
        await attach(p, 1, with_file, "notes.txt", chunks_of(b"notes"))
        recent = await p.create(1, "Made a moment ago")
        one.dispatcher.target = target
        await asyncio.sleep(1.5)  # beyond the index's lag (search_lag)

        await p.send_command({"full_resync": True})
        keys = [*plain, with_file, recent]
        await p.eventually(lambda: all(p.twin(2, key) is not None for key in keys))
        await p.eventually(lambda: "notes.txt" in files(p, 2, p.twin(2, with_file).key))  # type: ignore[union-attr]
        await p.quiet()

        assert [issue_reads(p, 1, key) for key in plain] == [0, 0, 0]
        assert issue_reads(p, 1, with_file) == 1  # its files listed, not its marker
        assert issue_reads(p, 1, recent) == 1  # its marker: made in the last minutes
        for key in plain:
            twin = p.twin(2, key)
            assert twin is not None
            assert issue_reads(p, 2, twin.key) <= 1  # its status before the walk, no listing
        assert len(p.issues(2)) == len(keys)
