"""Workflows as partner sites have them, through the real pipeline: the transition into Done
requires a resolution, the two sites name their resolutions differently (site 1 "Fixed",
"Won't Do"; site 2 "Done", "Won't Fix"), and the Escalate transition requires Severity.
The resolution travels with the status through the mapping file's ``resolutions`` map; a
required field the sync has no value for is a warning on the pair naming it, and the
issue stays where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from sandbox.model import Issue

pytestmark = pytest.mark.integration

MAPPING = """
resolutions: {Fixed: Done, "Won't Do": "Won't Fix"}
"""
SITE2 = {"resolutions": ("Done", "Won't Fix", "Duplicate", "Cannot Reproduce")}


def held(issue: Issue) -> tuple[str, str | None]:
    resolution = issue.fields.get("resolution")
    return issue.fields["status"]["name"], resolution["name"] if resolution else None


async def state_of(p: Pipeline, key2: str) -> dict[str, Any]:
    states = await p.pair_states()
    [state] = [s for s in states.values() if (s.get("site2") or {}).get("key") == key2]
    return state


async def test_resolutions_map_both_ways_and_a_missing_field_is_named(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    env = {"MAPPING_FILE": str(mapping)}
    options = {2: SITE2}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options, env=env) as p:
        key1 = await p.create(1, "Resolve me")
        await p.eventually(lambda: p.twin(2, key1) is not None)
        twin = p.twin(2, key1)
        assert twin is not None
        mine = p.issues(1)[key1]

        await p.transition(1, key1, "Done", {"resolution": {"name": "Fixed"}})
        await p.eventually(lambda: held(twin) == ("Done", "Done"))  # Fixed -> Done
        await p.transition(1, key1, "To Do")
        await p.eventually(lambda: held(twin) == ("To Do", None))  # reopened: cleared
        await p.transition(2, twin.key, "Done", {"resolution": {"name": "Won't Fix"}})
        await p.eventually(lambda: held(mine) == ("Done", "Won't Do"))  # and back
        await p.quiet()
        state = await state_of(p, twin.key)
        assert state["warnings"] == []
        assert state["base"]["resolution"] == "Won't Do"

        # Escalate asks for Severity, which the twin has not and no default gives.
        await p.transition(1, key1, "Escalated", {"customfield_10050": {"value": "Major"}})

        async def warned() -> bool:
            return any(
                w["code"] == "transition-screen" for w in (await state_of(p, twin.key))["warnings"]
            )

        await p.eventually(warned)
        await p.quiet()
        [warning] = (await state_of(p, twin.key))["warnings"]
        assert warning["field"] == "customfield_10050"
        assert "Severity is required." in warning["message"]
        assert held(twin) == ("Done", "Won't Fix")  # not moved, nothing invented
        assert await p.dead_letters() == []
