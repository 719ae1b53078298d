"""Linking a partnership's history at the size issue #20 names, through the real pipeline
(the CLI, the command topic, Kafka, the worker process, two emulated sites over HTTP with
JIRA Cloud's rate limits): 1,000 issues a side made before the sync (no webhook ever told
of them), 950 true pairs by summary and created date, 30 issues a side ambiguous (each
summary twice on its side) and 20 a side with no match. ``--apply`` links the 950 and
creates no issue; a second ``--apply`` sends nothing and writes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import HUMANS
from tests.e2e.test_match_apply import cli, pairs_by_id, sync_writes

pytestmark = pytest.mark.integration

PAIRS, TWINS, ALONE = 950, 15, 20  # 950 + 2 * 15 + 20 = 1,000 a side


def summaries(site: int) -> list[str]:
    made = [f"Case {n}" for n in range(PAIRS)]
    made += [f"Twin {n}" for n in range(TWINS) for _ in range(2)]  # ambiguous on each side
    return made + [f"Only on {site} #{n}" for n in range(ALONE)]


def history(p: Pipeline, site: int) -> None:
    """The issues that were there before the partnership: made without webhooks."""
    emulator = p.sites[site].emulator
    [person] = [u for u in emulator.users.all() if u.email == f"{HUMANS[site]}@example.com"]
    project = {"key": emulator.config.project_key}
    for summary in summaries(site):
        fields = {"project": project, "issuetype": {"name": "Task"}, "summary": summary}
        emulator.site.create(person, {"fields": fields}, notify=False)


async def indexed(p: Pipeline, site: int) -> bool:
    """Search sees all 1,000 issues (JIRA's index lags behind the writes, and the history a
    match is for was indexed long before it runs)."""
    jql = f"project = {p.sites[site].emulator.config.project_key}"
    body: dict[str, object] = {"jql": jql, "maxResults": 100, "fields": ["summary"]}
    seen, token = 0, None
    while True:
        answer = await p.call(
            site,
            "POST",
            "/rest/api/3/search/jql",
            body | {"nextPageToken": token} if token else body,
        )
        seen += len(answer["issues"])
        token = answer.get("nextPageToken")
        if not token:
            return seen == 1000


async def test_a_thousand_issues_a_side_are_linked_without_a_create_and_once(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        for site in (1, 2):
            history(p, site)
        for site in (1, 2):
            await p.eventually(lambda site=site: indexed(p, site), within=30)

        applied = await cli(p, tmp_path, "match", "--rule", "summary-created", "--apply")
        assert applied.exit_code == 0, applied.output
        assert f"sent {PAIRS} link commands (0 pairs linked already)" in applied.stderr

        async def all_linked() -> bool:
            return len(await pairs_by_id(p)) == PAIRS

        await p.eventually(all_linked, within=300)
        await p.quiet()
        assert (len(p.issues(1)), len(p.issues(2))) == (1000, 1000)  # nothing created
        for state in (await pairs_by_id(p)).values():
            one = p.issues(1)[state["site1"]["key"]].fields["summary"]
            two = p.issues(2)[state["site2"]["key"]].fields["summary"]
            assert one == two, state["pair_id"]
            assert one.startswith("Case "), one  # never a twin or a lonely one
            assert state["status"] == "synced", state

        writes = sync_writes(p)
        again = await cli(p, tmp_path, "match", "--rule", "summary-created", "--apply")
        assert again.exit_code == 0, again.output
        assert f"sent 0 link commands ({PAIRS} pairs linked already)" in again.stderr
        await asyncio.sleep(2)
        await p.quiet()
        assert sync_writes(p) == writes  # the second apply changes nothing
        assert (len(p.issues(1)), len(p.issues(2))) == (1000, 1000)
