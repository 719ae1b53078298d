"""A person's new issue with plain text is not read (its webhook says all), and a
create's own echo needs no marker read: the pair step that made the counterpart
routes it to the pair on its site's events topic at once (``agents/pair.py``), so the
``issue_created`` webhook of the sync's account finds it in the route table. Real pipeline:
ingress, Kafka, the worker process, two emulated sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pipeline import pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.config import Faults
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
