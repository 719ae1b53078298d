"""Hierarchy through the real pipeline (ingress, Kafka, worker process, two emulated sites
over HTTP that name their sub-task type differently, as partners do): a sub-task arrives
under its parent's counterpart, with the other site's sub-task type, both ways; a story under
an epic arrives under the epic's copy; a sub-task whose parent is not synced waits, with the
reason on its pair, and is created under the parent's copy once that exists; a forged
marker on a parent never puts a child under the wrong issue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Issue

pytestmark = pytest.mark.integration

PARTNERS: dict[int, dict[str, Any]] = {2: {"subtask_types": ("Subtask",)}}


def parent_key(issue: Issue | None) -> str | None:
    parent = issue.fields.get("parent") if issue is not None else None
    return str(parent["key"]) if isinstance(parent, dict) else None


def kind(issue: Issue | None) -> str | None:
    return str(issue.fields["issuetype"]["name"]) if issue is not None else None


async def arrived(p: Pipeline, site: int, summary: str) -> Issue:
    await p.eventually(lambda: p.find(site, summary) is not None)
    found = p.find(site, summary)
    assert found is not None
    return found


async def test_sub_tasks_and_epics_arrive_under_their_parents_copies_both_ways(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=PARTNERS) as p:
        parent = await p.create(1, "Parent one")
        copy = await arrived(p, 2, "Parent one")
        await p.create(1, "Child one", issuetype={"name": "Sub-task"}, parent={"key": parent})
        child = await arrived(p, 2, "Child one")
        assert (parent_key(child), kind(child)) == (copy.key, "Subtask")

        epic = await p.create(2, "Epic two", issuetype={"name": "Epic"})
        epic_copy = await arrived(p, 1, "Epic two")
        await p.create(2, "Story two", issuetype={"name": "Story"}, parent={"key": epic})
        story = await arrived(p, 1, "Story two")
        assert (parent_key(story), kind(story)) == (epic_copy.key, "Story")
        await p.create(1, "Back under", issuetype={"name": "Sub-task"}, parent={"key": story.key})
        back = await arrived(p, 2, "Back under")
        assert (parent_key(back), kind(back)) == (p.twin(2, story.key).key, "Subtask")  # type: ignore[union-attr]
        await p.quiet()
        assert sorted(i.fields["summary"] for i in p.issues(1).values()) == sorted(
            i.fields["summary"] for i in p.issues(2).values()
        )
        failures = [s for s in (await p.pair_states()).values() if s.get("failure")]
        assert failures == []


async def test_a_sub_task_waits_for_its_parent_then_arrives_under_its_copy(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("filters: {exclude_labels: [internal]}\n")
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(
        kafka_bootstrap, unique_name, tmp_path, site_options=PARTNERS, env=env
    ) as p:
        parent = await p.create(1, "Held parent", labels=["internal"])
        await p.create(1, "Waiting child", issuetype={"name": "Sub-task"}, parent={"key": parent})

        async def waiting() -> bool:
            states = (await p.pair_states()).values()
            reasons = [str((s.get("failure") or {}).get("reason", "")) for s in states]
            return any(f"waiting for its parent {parent}" in r for r in reasons)

        await p.eventually(waiting)
        assert p.find(2, "Waiting child") is None  # never a sub-task without its parent
        await p.edit(1, parent, labels=["shared"])  # now the parent syncs
        copy = await arrived(p, 2, "Held parent")
        child = await arrived(p, 2, "Waiting child")
        assert (parent_key(child), kind(child)) == (copy.key, "Subtask")


async def test_a_forged_marker_on_a_parent_never_puts_a_child_under_the_wrong_issue(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=PARTNERS) as p:
        await p.create(2, "Somebody else's")
        genuine = await arrived(p, 1, "Somebody else's")  # carries a signed marker
        # the origin's remote link to its copy is written just after the copy is made
        await p.eventually(lambda: p.twin(2, genuine.key or "") is not None)
        target = p.twin(2, genuine.key or "")
        assert target is not None
        parent = await p.create(1, "Forged parent")
        await arrived(p, 2, "Forged parent")
        await p.quiet()
        marker = genuine.properties["jira-sync.link"]  # copied onto the new parent by hand
        await p.call(1, "PUT", f"/rest/api/3/issue/{parent}/properties/jira-sync.link", marker)
        await p.create(1, "Child of forged", issuetype={"name": "Sub-task"}, parent={"key": parent})
        child = await arrived(p, 2, "Child of forged")
        assert parent_key(child) == p.find(2, "Forged parent").key  # type: ignore[union-attr]
        assert parent_key(child) != target.key


async def test_a_move_to_another_epic_or_out_of_it_follows_on_the_other_side(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=PARTNERS) as p:
        first = await p.create(1, "First epic", issuetype={"name": "Epic"})
        second = await p.create(1, "Second epic", issuetype={"name": "Epic"})
        story = await p.create(1, "Loose story", issuetype={"name": "Story"})
        first2, second2 = await arrived(p, 2, "First epic"), await arrived(p, 2, "Second epic")
        copy = await arrived(p, 2, "Loose story")
        await p.quiet()

        await p.edit(1, story, parent={"key": first})  # put into an epic on site 1
        await p.eventually(lambda: parent_key(p.issues(2)[str(copy.key)]) == first2.key)
        await p.edit(2, str(copy.key), parent={"key": second2.key})  # moved on site 2
        await p.eventually(lambda: parent_key(p.issues(1)[story]) == second)
        await p.edit(1, story, parent=None)  # taken out of its epic
        await p.eventually(lambda: parent_key(p.issues(2)[str(copy.key)]) is None)
        await p.quiet()
        moves = [
            c
            for n in (1, 2)
            for c in p.sites[n].emulator.calls
            if c.email == SYNC_ACCOUNT and c.method == "PUT"
        ]
        assert len(moves) == 3  # one move each time, and no echo moved anything back
        failures = [s for s in (await p.pair_states()).values() if s.get("failure")]
        assert failures == []
