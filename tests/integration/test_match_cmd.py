"""``jira-sync match --dry-run`` against two emulated sites over HTTP (no Kafka needed):
1,000 existing issues a side, 950 true pairs, 30 issues a side set apart as ambiguous, 20
a side unmatched; the plan must find exactly those, as a table and as CSV, with JIRA's
rate limits on (stricter on site 1, so the command's searches meet 429s) and the search
index lagging behind the writes as JIRA's does."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from click.testing import CliRunner, Result

from jira_sync.cli import main
from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.config import RateLimits
from sandbox.contract import OpenApiContract
from tests.infra import OPENAPI_SPEC
from tests.sandbox.conftest import basic

CONTRACT = OpenApiContract(OPENAPI_SPEC)
AUTH = {"Authorization": basic("sandbox@example.com", "sandbox-token")}
FIELD = "Customer"  # the emulator's text field; its id differs between the two sites
FIELD_IDS = {1: "customfield_10042", 2: "customfield_10142"}
SEEDING = 32  # creates in flight at once


@asynccontextmanager
async def two_sites() -> AsyncIterator[dict[int, RunningSite]]:
    one = SiteConfig(project_key="PROJ1", contract=CONTRACT, text_field_id=FIELD_IDS[1])
    two = SiteConfig(project_key="PROJ2", contract=CONTRACT, text_field_id=FIELD_IDS[2])
    async with serve_emulator(one) as first, serve_emulator(two) as second:
        yield {1: first, 2: second}
        assert first.emulator.contract_violations == []
        assert second.emulator.contract_violations == []


async def create_many(
    http: aiohttp.ClientSession, site: RunningSite, site_number: int, issues: Sequence[Any]
) -> list[str]:
    """Create ``issues`` ((summary, field text) each), many at once; their keys in order."""
    gate = asyncio.Semaphore(SEEDING)
    project = site.emulator.config.project_key

    async def create(summary: str, text: str) -> str:
        fields = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}
        if text:
            fields[FIELD_IDS[site_number]] = text
        async with (
            gate,
            http.post(f"{site.base_url}/rest/api/3/issue", json={"fields": fields}) as r,
        ):
            assert r.status == 201, await r.text()
            return str((await r.json())["key"])

    return list(await asyncio.gather(*(create(s, t) for s, t in issues)))


@dataclass(frozen=True)
class Seeded:
    """What the plan must find: keys of site 1 and site 2."""

    pairs: set[tuple[str, str]]
    ambiguous: tuple[set[str], set[str]]
    unmatched: tuple[set[str], set[str]]


async def seed(http: aiohttp.ClientSession, sites: dict[int, RunningSite]) -> Seeded:
    """Pairs 0-949: the first 100 named by site 2's field, the rest by site 1's. Ambiguous:
    10 issues of site 1 naming two of site 2 each (950-959 -> 950-969), and 20 of site 1
    naming 10 of site 2 two by two (960-979 -> 970-979). Unmatched: 980-999 on each side,
    site 1's naming a key that does not exist. Summaries match the same way (the
    summary-created run), except for the unmatched."""
    first = await create_many(http, sites[1], 1, [(f"Case {i}", "") for i in range(100)])
    two = [(f"Case {i}", first[i] if i < 100 else "") for i in range(950)]
    two += [(f"Group {(i - 950) // 2}", "") for i in range(950, 970)]
    two += [(f"Claim {i - 970}", "") for i in range(970, 980)]
    two += [(f"Only on 2 #{i}", "") for i in range(980, 1000)]
    b = await create_many(http, sites[2], 2, two)
    one = [(f"Case {i}", b[i]) for i in range(100, 950)]
    one += [(f"Group {g}", f"{b[950 + 2 * g]}, {b[951 + 2 * g]}") for g in range(10)]
    one += [(f"Claim {(i - 960) // 2}", b[970 + (i - 960) // 2]) for i in range(960, 980)]
    one += [(f"Only on 1 #{i}", "PROJ2-5000") for i in range(980, 1000)]
    a = first + await create_many(http, sites[1], 1, one)
    return Seeded(
        {(a[i], b[i]) for i in range(950)},
        (set(a[950:980]), set(b[950:980])),
        (set(a[980:]), set(b[980:])),
    )


async def index_caught_up(http: aiohttp.ClientSession, site: RunningSite, count: int) -> None:
    """Wait until search sees all ``count`` issues: JIRA's index lags behind the writes
    too, and the issues a match is for existed long before it runs."""
    body = {"jql": f"project = {site.emulator.config.project_key}", "maxResults": 100}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen, token = 0, None
        while True:
            page = body | ({"nextPageToken": token} if token else {})
            async with http.post(f"{site.base_url}/rest/api/3/search/jql", json=page) as r:
                answer = await r.json()
            seen += len(answer["issues"])
            token = answer.get("nextPageToken")
            if not token:
                break
        if seen == count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the search index of {site.base_url} did not catch up")


async def limit(http: aiohttp.ClientSession, site: RunningSite, limits: Any) -> None:
    """The site's rate limits (None: off), through its control API."""
    url, body = f"{site.base_url}/_emulator/rate-limits", json.dumps(limits)
    async with http.put(url, data=body, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 200, await r.text()


def env_of(sites: dict[int, RunningSite], home: Path) -> dict[str, str]:
    env = {"JIRA_SYNC_HOME": str(home)}  # no running sandbox's settings taken
    for n, site in sites.items():
        env |= {
            f"JIRA_{n}_BASE_URL": site.base_url,
            f"JIRA_{n}_USERNAME": "sandbox@example.com",
            f"JIRA_{n}_API_TOKEN": "sandbox-token",
            f"JIRA_{n}_PROJECT_KEY": site.emulator.config.project_key,
        }
    return env


async def run_match(env: dict[str, str], home: Path, *args: str) -> Result:
    cli = ["match", *args, "--env-file", str(home / "none.env")]
    return await asyncio.to_thread(CliRunner().invoke, main, cli, env=env)


def plan_of(text: str) -> tuple[set[tuple[str, str]], list[set[str]], list[set[str]]]:
    """Pairs, ambiguous and unmatched keys per site, from the CSV."""
    rows = list(csv.DictReader(io.StringIO(text)))
    pairs = {(r["key1"], r["key2"]) for r in rows if r["kind"] == "pair"}
    apart: list[set[str]] = [set(), set()]
    alone: list[set[str]] = [set(), set()]
    for row in rows:
        target = (
            apart if row["kind"] == "ambiguous" else alone if row["kind"] == "unmatched" else None
        )
        if target is not None:
            target[0 if row["key1"] else 1].add(row["key1"] or row["key2"])
    return pairs, apart, alone


async def test_a_thousand_issues_a_side_plan_950_pairs(tmp_path: Path) -> None:
    async with two_sites() as sites, aiohttp.ClientSession(headers=AUTH) as http:
        for site in sites.values():  # seeding is not what is tested: JIRA's limits after
            await limit(http, site, None)
        seeded = await seed(http, sites)
        for site in sites.values():
            await index_caught_up(http, site, 1000)
        await limit(http, sites[1], {"post_per_second": 3})  # stricter than JIRA: 429s
        await limit(http, sites[2], RateLimits().model_dump())
        env, before = env_of(sites, tmp_path), {n: len(s.emulator.calls) for n, s in sites.items()}

        shown = await run_match(env, tmp_path, "--rule", f"field:{FIELD}", "--dry-run")
        assert shown.exit_code == 0, shown.output
        lines = shown.stdout.splitlines()
        assert lines[0] == f"Proposed pairs (950, rule field:{FIELD}):"
        listed = {tuple(line.split()) for line in lines[2:952]}
        assert listed == seeded.pairs
        assert lines[-1] == (
            "950 pairs (0 already linked); ambiguous: 30 of site 1, 30 of site 2; "
            "unmatched: 20 of site 1, 20 of site 2"
        )
        for key in seeded.unmatched[0] | seeded.unmatched[1]:
            assert key in shown.stdout.split("Unmatched (no candidate):")[1]

        as_csv = await run_match(env, tmp_path, "--rule", f"field:{FIELD}", "--dry-run", "--csv")
        assert as_csv.exit_code == 0, as_csv.output
        assert plan_of(as_csv.stdout) == (
            seeded.pairs,
            list(seeded.ambiguous),
            list(seeded.unmatched),
        )
        assert "950 pairs" in as_csv.stderr

        by_summary = await run_match(
            env, tmp_path, "--rule", "summary-created", "--dry-run", "--csv"
        )
        assert by_summary.exit_code == 0, by_summary.output
        assert plan_of(by_summary.stdout) == (
            seeded.pairs,
            list(seeded.ambiguous),
            list(seeded.unmatched),
        )
        calls = {n: s.emulator.calls[before[n] :] for n, s in sites.items()}
        assert [c for site in calls.values() for c in site if c.write] == []  # a dry run
        searches = [c.status for c in calls[1] if c.path == "/rest/api/3/search/jql"]
        assert 429 in searches  # and the command waited them out: the plans above


async def put_marker(http: aiohttp.ClientSession, site: RunningSite, key: str, pair: str) -> None:
    url = f"{site.base_url}/rest/api/3/issue/{key}/properties/jira-sync.link"
    async with http.put(url, json={"pair_id": pair}) as answer:
        assert answer.status in (200, 201), await answer.text()


async def issue_id(http: aiohttp.ClientSession, site: RunningSite, key: str) -> str:
    async with http.get(f"{site.base_url}/rest/api/3/issue/{key}?fields=summary") as answer:
        return str((await answer.json())["id"])


async def test_key_in_summary_jql_linked_pairs_and_refusals(tmp_path: Path) -> None:
    async with two_sites() as sites, aiohttp.ClientSession(headers=AUTH) as http:
        b = await create_many(http, sites[2], 2, [("Printer", ""), ("Fax", ""), ("Scanner", "")])
        a = await create_many(
            http, sites[1], 1, [(f"Copy of {b[0]}", ""), (f"{b[1]} again", ""), ("Scanner", "")]
        )
        a += await create_many(http, sites[1], 1, [("Scanner", "")])
        first = await issue_id(http, sites[1], a[0])
        await put_marker(http, sites[2], b[0], f"1:{first}")  # b[0] is a[0]'s counterpart
        await put_marker(http, sites[1], a[1], "another pair")
        for site, count in ((sites[1], 4), (sites[2], 3)):
            await index_caught_up(http, site, count)
        env = env_of(sites, tmp_path)

        shown = await run_match(env, tmp_path, "--rule", "key-in-summary", "--dry-run")
        assert shown.exit_code == 0, shown.output
        assert f"  {a[0]}  {b[0]}  (already linked)" in shown.stdout.splitlines()
        assert f"  {a[1]}  {b[1]}" in shown.stdout.splitlines()  # another pair's marker
        assert shown.stdout.splitlines()[-1].startswith("2 pairs (1 already linked);")

        jql = ["--rule", "jql", "--dry-run", "--csv"]
        unrestricted = await run_match(env, tmp_path, *jql, "--jql1", "id > 0", "--jql2", "id > 0")
        assert unrestricted.exit_code == 0, unrestricted.output
        assert plan_of(unrestricted.stdout)[0] == set()  # "Scanner" twice on site 1
        restricted = [*jql, "--jql1", f"key != {a[3]}", "--jql2", 'summary ~ "scanner"']
        found = await run_match(env, tmp_path, *restricted)
        assert found.exit_code == 0, found.output
        assert plan_of(found.stdout) == ({(a[2], b[2])}, [set(), set()], [{a[0], a[1]}, set()])

        missing = await run_match(env, tmp_path, "--rule", "field:No such field", "--dry-run")
        assert missing.exit_code == 1
        assert "neither site has a field 'No such field'" in missing.stderr
        bad_jql = await run_match(env, tmp_path, *jql, "--jql1", "nonsense ~~", "--jql2", "id > 0")
        assert bad_jql.exit_code == 1
        assert "jira-sync match: " in bad_jql.stderr
        assert "Traceback" not in bad_jql.output

        refused = {
            ("--rule", "key-in-summary", "--apply", "--dry-run"): "give --dry-run",
            ("--rule", "key-in-summary"): "give --dry-run",
            ("--rule", "summary", "--dry-run"): "one of field:NAME",
            ("--rule", "jql", "--dry-run", "--jql1", "id > 0"): "needs --jql1 and --jql2",
            ("--rule", "key-in-summary", "--dry-run", "--jql1", "x"): "with --rule jql only",
        }
        for args, reason in refused.items():
            result = await run_match(env, tmp_path, *args)
            assert (result.exit_code, reason in result.output) == (2, True), result.output
