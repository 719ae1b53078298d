"""A JQL filter on site 1 (the mapping file's ``filters: {jql: {1: ...}}``) through the real
pipeline (ingress, Kafka, the worker process, two emulated sites over HTTP): only issues
JIRA says match start a pair, asked once per issue version (every webhook delivered twice
here: the duplicate costs no search), through a search index five seconds behind the
writes (``reconcileIssues`` reads the issue asked about fresh); an issue edited into the
filter starts its pair then; a full resync searches only matching issues, asks nothing
more of them, makes the counterpart of a matching issue whose webhook was lost and nothing
else. A filter JIRA refuses stops the worker at start with JIRA's words."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.config import Faults

pytestmark = pytest.mark.integration

FILTER = "labels = partner"


def searches(p: Pipeline, site: int) -> int:
    """The sync's searches on ``site`` (the filter's questions, the resync's pages)."""
    calls = p.sites[site].emulator.calls
    return sum(1 for c in calls if c.email == SYNC_ACCOUNT and c.path.endswith("/search/jql"))


async def test_only_issues_matching_the_jql_filter_start_a_pair(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f'filters:\n  jql:\n    1: "{FILTER}"\n')
    env = {"MAPPING_FILE": str(mapping)}
    twice = {1: {"faults": Faults(webhook_duplicate_rate=1.0, search_lag=5.0)}}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env, site_options=twice) as p:
        await p.eventually(lambda: searches(p, 1) == 1)  # the filter checked at start
        partner = await p.create(1, "For the partner", labels=["partner"])
        ours = await p.create(1, "Ours only", labels=["ops"])
        plain = await p.create(1, "No labels")
        theirs = await p.create(2, "From site 2")  # site 2 has no filter
        await p.eventually(lambda: p.twin(2, partner) is not None)
        await p.eventually(lambda: p.twin(1, theirs) is not None)
        await p.quiet()
        assert p.twin(2, ours) is None
        assert p.twin(2, plain) is None
        assert searches(p, 1) == 1 + 3  # one question per new issue, duplicates free
        assert searches(p, 2) == 0

        await p.edit(1, ours, labels=["ops", "partner"])  # now it matches (index: not yet)
        await p.edit(1, plain, summary="Still no labels")  # a new version: asked again
        await p.eventually(lambda: p.twin(2, ours) is not None)
        await p.quiet()
        assert p.twin(2, plain) is None
        assert searches(p, 1) == 1 + 3 + 2
        assert len(p.issues(2)) == 3

        target = p.sites[1].emulator.dispatcher.target
        p.sites[1].emulator.set_webhook(None)  # an outage: site 1's webhooks are lost
        lost = await p.create(1, "Made during the outage", labels=["partner"])
        await p.create(1, "Made during the outage, ours")
        p.sites[1].emulator.dispatcher.target = target
        await asyncio.sleep(5)  # the index caught up: the resync search sees every issue
        before = searches(p, 1)
        await p.send_command({"full_resync": True})
        await p.eventually(lambda: p.twin(2, lost) is not None)
        await asyncio.sleep(3)
        await p.quiet()
        assert searches(p, 1) == before + 1  # one page of matching issues, no question
        assert (len(p.issues(1)), len(p.issues(2))) == (6, 4)
        assert p.twin(2, plain) is None
        assert await p.unsettled() == {}
        assert await p.dead_letters() == []


async def test_a_jql_filter_jira_refuses_stops_the_worker_at_start(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('filters: {jql: {2: "prority = High"}}\n')
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        [worker] = p.workers
        code = await asyncio.to_thread(worker.wait, 60)
        log = (tmp_path / "worker-0.log").read_text()
        assert code != 0
        assert (
            "the JQL filter of site 2 (prority = High): JIRA says: Field 'prority' does not "
            "exist or you do not have permission to view it." in log
        ), log[-2000:]
