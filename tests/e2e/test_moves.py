"""Issue moves through the real pipeline (ingress, Kafka, worker process, two emulated
sites over HTTP): an issue moved out of the synced project stops syncing, its pair orphaned
with the reason and its counterpart untouched; an issue moved in gets a counterpart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline

pytestmark = pytest.mark.integration
TASK = "10001"  # the Task issue type's id


async def bulk_move(p: Pipeline, site: int, key: str, project: str) -> None:
    """Move ``key`` with JIRA's bulk move API, as a person's script does: submit, then poll
    the queued task until it is complete."""
    mapping = {
        "issueIdsOrKeys": [key],
        "inferFieldDefaults": True,
        "inferStatusDefaults": True,
        "inferSubtaskTypeDefault": True,
        "inferClassificationDefaults": True,
    }
    body = {"targetToSourcesMapping": {f"{project},{TASK}": mapping}}
    task = await p.call(site, "POST", "/rest/api/3/bulk/issues/move", body)
    for _ in range(100):
        progress = await p.call(site, "GET", f"/rest/api/3/bulk/queue/{task['taskId']}")
        if progress["status"] == "COMPLETE":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the move of {key} never completed")


async def state_of(p: Pipeline, pair_id: str) -> dict[str, Any]:
    return (await p.pair_states()).get(pair_id, {})


async def test_moved_out_stops_syncing_and_moved_in_is_new(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"DELETION_POLICY": "delete"}  # a move is no deletion: nothing may be deleted
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key = await p.create(1, "Leaving")
        await p.eventually(lambda: p.find(2, "Leaving") is not None)
        twin = p.find(2, "Leaving")
        assert twin is not None
        await p.quiet()
        pair_id = f"1:{p.issues(1)[key].id}"

        await bulk_move(p, 1, key, "OTHER")
        new_key = next(k for k, i in p.issues(1).items() if i.fields["summary"] == "Leaving")
        assert new_key.startswith("OTHER-")

        async def orphaned() -> bool:
            return (await state_of(p, pair_id)).get("status") == "orphaned"

        await p.eventually(orphaned)
        state = await state_of(p, pair_id)
        assert [w["message"].split(":")[0] for w in state["warnings"]] == [f"moved to {new_key}"]
        writes = (p.sync_writes(1), p.sync_writes(2))
        await p.edit(1, new_key, summary="Edited after the move")
        await p.edit(2, twin.key, summary="Partner edit after the move")
        await p.quiet()
        assert twin.key in p.issues(2)  # the counterpart is neither deleted nor changed back
        assert p.issues(2)[twin.key].fields["summary"] == "Partner edit after the move"
        assert p.issues(1)[new_key].fields["summary"] == "Edited after the move"
        assert (p.sync_writes(1), p.sync_writes(2)) == writes

        outside = {"project": {"key": "OTHER"}, "issuetype": {"name": "Task"}, "summary": "In"}
        made = await p.call(1, "POST", "/rest/api/3/issue", {"fields": outside})
        await p.quiet()
        assert p.find(2, "In") is None  # not in the synced project: not synced
        await bulk_move(p, 1, made["key"], "PROJ1")
        await p.eventually(lambda: p.find(2, "In") is not None)
        arrived = p.find(2, "In")
        assert arrived is not None
        moved_in = p.issues(1)[next(k for k, i in p.issues(1).items() if i.id == made["id"])]
        assert moved_in.key.startswith("PROJ1-")
        assert arrived.properties["jira-sync.link"]["key"] == moved_in.key
        assert await p.dead_letters() == []
