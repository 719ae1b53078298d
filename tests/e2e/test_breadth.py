"""Acceptance of the engine's breadth: the mapping file's custom fields, components, due
date and assignee; comments both ways with exact write counts; the deletion policy. Real
ingress, Kafka and worker process, two emulated sites over HTTP that differ as partner
projects do (other custom field ids, other components)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration

MAPPING = """
components: {Frontend: Mobile}
custom_fields:
  - {name: Customer, type: text}
  - {name: Severity, type: select}
"""


def names(values: list[dict[str, Any]] | None) -> list[str]:
    return sorted(v["name"] for v in values or [])


async def comment(p: Pipeline, site: int, key: str, text: str, **extra: Any) -> str:
    body = {"body": text_to_adf(text), **extra}
    made = await p.call(site, "POST", f"/rest/api/3/issue/{key}/comment", body)
    return str(made["id"])


def comment_texts(p: Pipeline, site: int, key: str) -> list[str]:
    issue_id = p.issues(site)[key].id
    return [str(c.body) for c in p.sites[site].emulator.comments.values() if c.issue_id == issue_id]


async def test_fields_comments_and_deletion_follow_through_the_pipeline(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    env = {"MAPPING_FILE": str(mapping), "SYNC_ASSIGNEE": "true", "DELETION_POLICY": "unlink"}
    options = {2: {"components": ("Backend", "Mobile")}}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options, env=env) as p:
        key1 = await p.create(
            1,
            "Breadth",
            components=[{"name": "Backend"}, {"name": "Frontend"}],
            duedate="2027-02-01",
            assignee={"accountId": "712020:alice-0001"},
            customfield_10042="ACME",
            customfield_10050={"value": "Major"},
        )
        await p.eventually(lambda: p.find(2, "Breadth") is not None)
        twin = p.find(2, "Breadth")
        assert twin is not None
        key2 = twin.key
        await p.quiet()
        assert names(twin.fields["components"]) == ["Backend", "Mobile"]  # Frontend -> Mobile
        assert twin.fields["duedate"] == "2027-02-01"
        assert twin.fields["assignee"]["accountId"] == "712020:alice-0001"
        assert twin.fields["customfield_10142"] == "ACME"  # site 2's id for "Customer"
        assert twin.fields["customfield_10050"]["value"] == "Major"

        writes = (p.sync_writes(1), p.sync_writes(2))
        await p.edit(2, key2, customfield_10142="ACME Corp", duedate="2027-03-03")
        mine = p.issues(1)[key1]
        await p.eventually(lambda: mine.fields["customfield_10042"] == "ACME Corp")
        await p.quiet()
        assert mine.fields["duedate"] == "2027-03-03"
        assert (p.sync_writes(1), p.sync_writes(2)) == (writes[0] + 1, writes[1])

        # Comments: add, edit, delete, both ways; an internal one stays.
        writes = (p.sync_writes(1), p.sync_writes(2))
        first = await comment(p, 1, key1, "Seen on floor 3")
        await p.eventually(lambda: any("Seen on floor 3" in t for t in comment_texts(p, 2, key2)))
        await p.call(
            1,
            "PUT",
            f"/rest/api/3/issue/{key1}/comment/{first}",
            {"body": text_to_adf("Seen on floor 4")},
        )
        await p.eventually(lambda: any("Seen on floor 4" in t for t in comment_texts(p, 2, key2)))
        reply = await comment(p, 2, key2, "Vendor on the way")
        await p.eventually(lambda: any("Vendor on the way" in t for t in comment_texts(p, 1, key1)))
        await comment(p, 2, key2, "Margin 40%", visibility={"type": "role", "value": "Developers"})
        await p.call(2, "DELETE", f"/rest/api/3/issue/{key2}/comment/{reply}")
        await p.eventually(lambda: len(comment_texts(p, 1, key1)) == 1)
        await p.quiet()
        assert (p.sync_writes(1), p.sync_writes(2)) == (writes[0] + 2, writes[1] + 2)
        assert not any("Margin" in t for t in comment_texts(p, 1, key1))
        [copy] = [t for t in comment_texts(p, 2, key2) if "floor" in t]
        assert "Alice Visible wrote on " + key1 in copy

        # Deletion with DELETION_POLICY=unlink: the survivor (the counterpart, which carries
        # the link marker) loses marker and remote link and stays.
        assert "jira-sync.link" in p.issues(2)[key2].properties
        await p.call(1, "DELETE", f"/rest/api/3/issue/{key1}")
        await p.eventually(lambda: not p.issues(2)[key2].remote_links)
        await p.quiet()
        assert "jira-sync.link" not in p.issues(2)[key2].properties
        states = await p.pair_states()
        [state] = [s for s in states.values() if (s.get("site2") or {}).get("key") == key2]
        assert state["status"] == "orphaned"
