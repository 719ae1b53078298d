"""Worklogs through the real pipeline (ingress, Kafka, the worker process, two emulated
sites over HTTP), with ``SYNC_WORKLOGS`` on: a worklog logged on either side is logged once
on the other by the sync account, its comment naming the author (a mention where the user
map knows the person's account there, else the name); an edit and a delete of an original
follow; the copies' echoes copy nothing back, and a copy deleted by hand stays deleted.
With ``SYNC_WORKLOGS`` off (the default) nothing is copied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Worklog
from sandbox.users import ALICE

pytestmark = pytest.mark.integration

STARTED = "2026-12-01T09:30:00.000+0000"


def note(text: str) -> dict[str, Any]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


async def log_work(p: Pipeline, site: int, key: str, seconds: int, text: str) -> str:
    """A person logs work (alice on site 1, bob on site 2): the worklog's id."""
    body = {"timeSpentSeconds": seconds, "started": STARTED, "comment": note(text)}
    made = await p.call(site, "POST", f"/rest/api/3/issue/{key}/worklog", body)
    return str(made["id"])


def worklogs(p: Pipeline, site: int, key: str) -> list[Worklog]:
    return list(p.issues(site)[key].worklogs)


def worklog_writes(p: Pipeline, site: int) -> dict[str, int]:
    """The sync account's successful worklog writes on ``site``, by method."""
    counted = {"POST": 0, "PUT": 0, "DELETE": 0}
    for call in p.sites[site].emulator.calls:
        if call.email == SYNC_ACCOUNT and "/worklog" in call.path and call.write:
            counted[call.method] += 1
    return counted


def first_line(worklog: Worklog) -> list[dict[str, Any]]:
    assert worklog.comment is not None
    return list(worklog.comment["content"][0]["content"])


async def twin_key(p: Pipeline, site: int, summary: str) -> str:
    await p.eventually(lambda: p.find(site, summary) is not None)
    twin = p.find(site, summary)
    assert twin is not None
    return twin.key


async def test_worklogs_travel_both_ways_once_with_attribution_edits_and_deletes(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f'users: {{"{ALICE}": "{ALICE}"}}\n')  # alice has an account on both
    env = {"SYNC_WORKLOGS": "true", "MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        one = await p.create(1, "Logged work")
        two = await twin_key(p, 2, "Logged work")
        alices = await log_work(p, 1, one, 5400, "Reviewed the patch")
        bobs = await log_work(p, 2, two, 600, "Answered the customer")
        await p.eventually(lambda: len(worklogs(p, 2, two)) == 2 and len(worklogs(p, 1, one)) == 2)
        await p.quiet()
        assert (worklog_writes(p, 1), worklog_writes(p, 2)) == (
            {"POST": 1, "PUT": 0, "DELETE": 0},
            {"POST": 1, "PUT": 0, "DELETE": 0},
        )  # one copy each way, no echo copied back
        [copy2] = [w for w in worklogs(p, 2, two) if w.id != bobs]
        [copy1] = [w for w in worklogs(p, 1, one) if w.id != alices]
        ours = {site: p.sites[site].emulator.config.integration_account_id for site in (1, 2)}
        assert (copy2.author_id, copy1.author_id) == (ours[2], ours[1])  # JIRA sets the caller
        assert (copy2.seconds, copy2.started, copy1.seconds) == (5400, STARTED, 600)
        assert first_line(copy2)[:2] == [
            {"type": "text", "text": "Logged by "},
            {"type": "mention", "attrs": {"id": ALICE, "text": "@Alice Visible"}},
        ]
        assert first_line(copy1)[0]["text"] == "Logged by Bob Private"  # not in the user map
        assert copy2.comment is not None
        assert copy2.comment["content"][1:] == note("Reviewed the patch")["content"]

        path = f"/rest/api/3/issue/{one}/worklog/{alices}"
        await p.call(1, "PUT", path, {"timeSpentSeconds": 7200})
        await p.eventually(lambda: p.issues(2)[two].worklog(copy2.id).seconds == 7200)  # type: ignore[union-attr]
        await p.call(2, "DELETE", f"/rest/api/3/issue/{two}/worklog/{bobs}")
        await p.eventually(lambda: p.issues(1)[one].worklog(copy1.id) is None)
        await p.call(2, "DELETE", f"/rest/api/3/issue/{two}/worklog/{copy2.id}")  # by hand
        await p.quiet()
        assert [w.id for w in worklogs(p, 1, one)] == [alices]  # the original stays
        assert worklogs(p, 2, two) == []  # and is not copied again
        assert (worklog_writes(p, 1), worklog_writes(p, 2)) == (
            {"POST": 1, "PUT": 0, "DELETE": 1},
            {"POST": 1, "PUT": 1, "DELETE": 0},
        )
        states = await p.pair_states()
        [state] = [s for s in states.values() if s.get("site1", {}).get("key") == one]
        assert state["worklog_map"] == {f"1:{alices}": f"2:{copy2.id}"}


async def test_with_sync_worklogs_off_nothing_is_copied(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        one = await p.create(1, "Not logged across")
        two = await twin_key(p, 2, "Not logged across")
        await log_work(p, 1, one, 600, "Mine")
        await log_work(p, 2, two, 900, "Theirs")
        await p.edit(1, one, summary="Not logged across, renamed")  # the pair is alive
        await p.eventually(lambda: p.issues(2)[two].fields["summary"].endswith("renamed"))
        await p.quiet()
        assert (len(worklogs(p, 1, one)), len(worklogs(p, 2, two))) == (1, 1)
        for site in (1, 2):
            calls = p.sites[site].emulator.calls
            assert [c for c in calls if c.email == SYNC_ACCOUNT and "/worklog" in c.path] == []
