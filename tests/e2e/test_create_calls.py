"""A person's new issue with plain text is not read (its webhook says all), and a
create's own echo needs no marker read: the pair step that made the counterpart
routes it to the pair on its site's events topic at once (``agents/pair.py``), so the
``issue_created`` webhook of the sync's account finds it in the route table. Real pipeline:
ingress, Kafka, the worker process, two emulated sites."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.config import Faults
from sandbox.workflow import IN_PROGRESS
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration


async def test_the_echo_of_a_counterpart_made_is_routed_without_reading_its_marker(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        p.sites[2].emulator.faults = Faults(webhook_delay=1.5)  # JIRA's usual lag, and more
        key = await p.create(1, "Printer on fire", description=text_to_adf("It smokes."))
        await p.eventually(lambda: p.twin(2, key) is not None)
        await p.quiet()
        twin = p.twin(2, key)
        assert twin is not None
        calls = p.sites[2].emulator.calls
        reads = [c.path for c in calls if c.email == SYNC_ACCOUNT and c.method == "GET"]
        assert f"/rest/api/3/issue/{twin.id}" not in reads  # the route agent's marker read
        origin = p.issues(1)[key]
        ours = [c.path for c in p.sites[1].emulator.calls if c.email == SYNC_ACCOUNT]
        assert f"/rest/api/3/issue/{origin.id}" not in ours  # a person's plain new issue
        assert f"/rest/api/3/issue/{key}/comment" not in ours  # its first event: none waits
        assert twin.fields["description"] == origin.fields["description"]
        [state] = (await p.pair_states()).values()
        assert state["site2"]["key"] == twin.key
        assert [i.key for i in p.issues(2).values()] == [twin.key]
        assert await p.dead_letters() == []


async def test_a_new_counterpart_is_taken_to_start_where_its_kind_did_until_proved_wrong(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The first counterpart of a kind is read for its status; the next ones are not (the
    learned initial status is the origin's). An admin then changes the workflow's initial
    status: the next counterpart's ``issue_created`` echo shows it elsewhere, the guarded
    move reads it, finds nobody moved it and moves it to the agreed status; the origin
    keeps its own."""
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        emulator = p.sites[2].emulator
        twins = []
        for summary in ("Printer on fire", "Scanner on fire", "Fax on fire"):
            if summary == "Fax on fire":
                site = emulator.site  # an admin edits the workflow
                site.workflow = dataclasses.replace(site.workflow, initial=IN_PROGRESS)
            key = await p.create(1, summary)
            await p.eventually(lambda key=key: p.twin(2, key) is not None)
            await p.quiet()
            twin = p.twin(2, key)
            assert twin is not None
            twins.append((key, twin))

        def reads_of(issue_key: str) -> list[str]:
            return [
                c.path
                for c in emulator.calls
                if c.email == SYNC_ACCOUNT and c.method == "GET" and issue_key in c.path
            ]

        (_, first), (_, second), (origin, third) = twins
        assert reads_of(first.key) != []  # the first of its kind: its status read
        assert reads_of(second.key) == []  # taken to be in it: nothing read
        await p.eventually(lambda: p.issues(2)[third.key].fields["status"]["name"] == "To Do")
        assert reads_of(third.key) != []  # its echo said otherwise: read and moved
        assert p.issues(1)[origin].fields["status"]["name"] == "To Do"
        assert len(p.issues(2)) == 3
        assert await p.dead_letters() == []


async def started_wrongly(p: Pipeline) -> tuple[str, str]:
    """Two creates on site 1; before the second, an admin makes site 2's initial status
    In Progress, and site 2's webhooks are lost until this returns: the second counterpart
    is taken, not read, to be in To Do (its kind learned so by the first). Its origin key
    and its own key."""
    emulator = p.sites[2].emulator
    for summary in ("Printer on fire", "Scanner on fire"):
        if summary == "Scanner on fire":
            site = emulator.site
            site.workflow = dataclasses.replace(site.workflow, initial=IN_PROGRESS)
            emulator.faults = emulator.faults.model_copy(update={"webhook_drop_rate": 1.0})
        key = await p.create(1, summary)
        await p.eventually(lambda key=key: p.twin(2, key) is not None)
        await p.quiet()
    twin = p.twin(2, key)
    assert twin is not None
    assert p.issues(2)[twin.key].fields["status"]["name"] == "In Progress"  # taken wrongly
    emulator.faults = emulator.faults.model_copy(update={"webhook_drop_rate": 0.0})
    return key, twin.key


async def test_a_wrong_start_whose_echo_is_lost_is_put_right_where_it_shows_never_copied(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The counterpart's status is taken, not read, and wrongly (an admin changed the
    initial status), and its ``issue_created`` never reaches the sync (JIRA may drop a
    webhook; a later one may make it stale). A person's edit there is the first sight of
    its status: the edit is copied, the status is not; the counterpart is moved to the
    agreed status and the origin keeps its own."""
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        key, twin = await started_wrongly(p)
        await p.edit(2, twin, summary="Scanner on fire, really")
        await p.eventually(lambda: p.issues(1)[key].fields["summary"] == "Scanner on fire, really")
        await p.eventually(lambda: p.issues(2)[twin].fields["status"]["name"] == "To Do")
        await p.quiet()
        assert p.issues(1)[key].fields["status"]["name"] == "To Do"
        assert p.issues(2)[twin].fields["status"]["name"] == "To Do"
        [state] = [s for s in (await p.pair_states()).values() if s["site1"]["key"] == key]
        assert state["assumed_status"] == []
        assert await p.dead_letters() == []


async def test_a_persons_move_that_is_the_first_sight_of_a_wrong_start_is_synced(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """As above, but the first sight is a person moving the counterpart on (In Progress to
    In Review): their move is theirs, not a wrong start put right; the origin follows it."""
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        key, twin = await started_wrongly(p)
        await p.transition(2, twin, "In Review")
        await p.eventually(lambda: p.issues(1)[key].fields["status"]["name"] == "In Review")
        await p.quiet()
        assert p.issues(2)[twin].fields["status"]["name"] == "In Review"
        [state] = [s for s in (await p.pair_states()).values() if s["site1"]["key"] == key]
        assert state["assumed_status"] == []
        assert state["base"]["status"] == "In Review"
        assert await p.dead_letters() == []
