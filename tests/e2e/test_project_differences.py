"""Project differences degrade, never stop, through the real pipeline (ingress, Kafka, the
worker process, two emulated sites over HTTP). Site 2 differs as partner projects do: its
create screen lacks the due date, and it lacks site 1's priority "Highest" and issue type
"Story"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import pipeline
from sandbox import SiteConfig
from sandbox.catalog import Catalog
from sandbox.edits import Screens

pytestmark = pytest.mark.integration

PARTNER: dict[str, Any] = {
    "create_screen": Screens.defaults(Catalog(SiteConfig(text_field_id="customfield_10142"))).create
    - {"duedate"},
    "priorities": ("High", "Medium", "Low"),
    "default_priority": "Medium",
    "issue_types": ("Task", "Bug"),
}


def warnings(state: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    return {(w["code"], w.get("field")): w["message"] for w in state.get("warnings") or []}


async def test_a_partner_project_lacking_a_field_a_priority_and_a_type_still_gets_the_issue(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    options = {2: PARTNER}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options) as p:
        key1 = await p.create(
            1,
            "Partner differs",
            issuetype={"name": "Story"},
            priority={"name": "Highest"},
            duedate="2027-02-01",
        )
        await p.eventually(lambda: p.find(2, "Partner differs") is not None)
        twin = p.find(2, "Partner differs")
        assert twin is not None
        await p.eventually(lambda: twin.fields.get("duedate") == "2027-02-01")
        await p.quiet()
        assert twin.fields["priority"]["name"] == "Medium"  # site 2's default
        assert twin.fields["issuetype"]["name"] == "Task"  # the default type
        mine = p.issues(1)[key1]
        assert mine.fields["priority"]["name"] == "Highest"  # never written back
        assert mine.fields["duedate"] == "2027-02-01"

        states = await p.pair_states()
        [state] = [s for s in states.values() if (s.get("site2") or {}).get("key") == twin.key]
        assert state["failure"] is None
        said = warnings(state)
        assert "Highest" in said[("value-missing", "priority")]
        assert "Story" in said[("value-missing", "issuetype")]
        assert "create screen" in said[("field-not-on-create-screen", "duedate")]
        assert await p.dead_letters() == []

        await p.edit(1, key1, priority={"name": "High"})  # one site 2 has
        await p.eventually(lambda: twin.fields["priority"]["name"] == "High")
