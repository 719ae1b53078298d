"""Worklogs through the real engine and applier against two emulated sites over HTTP: the
worklogs an issue has when its counterpart is made travel with it; a copy made by a step
that died before recording it is found by its marker, not logged twice; a site whose time
tracking is off refuses the copy (a warning, not a failure) and a later look copies it;
a listing that fails is done again by the pair's retry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from sandbox import Faults, SiteConfig
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy, SiteAuth
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.engine import StepResult, handle
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import IssueChanged, PairMessage, Reexamine, SyncConfig
from streams.sync.worklog_actions import WorklogChanged
from tests.infra import OPENAPI_SPEC
from tests.jira.rig import SYNC_ACCOUNT, sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
QUICK = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001)
STARTED = "2026-12-01T09:30:00.000+0000"


@dataclass
class Rig:
    applier: Applier
    config: SyncConfig
    sites: dict[int, Emulator]
    alice: JiraClient
    key: str
    pair: PairState | None = None
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def step(self, message: PairMessage) -> StepResult:
        self.clock += timedelta(seconds=1)
        result = await handle(message, self.pair, self.config, self.applier, self.clock)
        self.pair = result.state
        return result

    async def snapshot(self) -> StepResult:
        issue = await self.applier.clients[1].get_issue(self.key)
        values = canonical(1, issue.fields, FieldMaps())
        return await self.step(IssueChanged(1, "snapshot", issue.id, self.key, values, self.clock))

    async def logged(self, seconds: int = 3600) -> StepResult:
        """Alice logs work on site 1; its webhook reaches the pair."""
        body = {"timeSpentSeconds": seconds, "started": STARTED}
        made = await self.alice.add_worklog(self.key, body)
        issue_id = self.sites[1].site.find(self.key).id
        alice = (made.author or {}).get("accountId")
        change = WorklogChanged(1, "created", issue_id, issue_id, made.id, alice, alice, made.id)
        return await self.step(change)

    def copies(self, site: int) -> int:
        return sum(
            1
            for c in self.sites[site].calls
            if c.email == SYNC_ACCOUNT and c.method == "POST" and c.path.endswith("/worklog")
            and c.status == 201
        )  # fmt: skip

    def worklogs(self, site: int) -> list[int]:
        return [w.seconds for i in self.sites[site].site.issues.values() for w in i.worklogs]


@asynccontextmanager
async def rig(**two: object) -> AsyncIterator[Rig]:
    configs = {n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT) for n in (1, 2)}
    configs[2] = configs[2].model_copy(update=two)
    async with two_sites(configs[1], configs[2]) as running:
        one, other = running[1], running[2]
        human = SiteAuth(one.base_url, "alice@example.com", SecretStr("alice-token"))
        ours = {n: r.emulator.config.integration_account_id for n, r in running.items()}
        config = SyncConfig(
            project_keys={1: "PROJ1", 2: "PROJ2"}, integration_accounts=ours, worklogs=True
        )
        async with (
            open_client(sync_auth(one), QUICK) as c1,
            open_client(sync_auth(other), QUICK) as c2,
            open_client(human) as alice,
        ):
            applier = Applier({1: c1, 2: c2}, config, {n: r.base_url for n, r in running.items()})
            [key] = one.emulator.seed_issues(1)
            yield Rig(applier, config, {1: one.emulator, 2: other.emulator}, alice, key)


async def test_the_worklogs_of_an_issue_travel_with_its_new_counterpart() -> None:
    async with rig() as r:
        await r.alice.add_worklog(r.key, {"timeSpentSeconds": 600, "started": STARTED})
        await r.snapshot()
        assert r.worklogs(2) == [600]
        assert r.pair is not None
        assert r.pair.counters["worklogs"] == 1
        await r.snapshot()  # looked at again: nothing to do
        assert (r.copies(1), r.copies(2)) == (0, 1)


async def test_a_copy_made_by_a_step_that_died_is_found_not_made_twice() -> None:
    async with rig() as r:
        await r.snapshot()
        before = r.pair
        await r.logged()
        assert r.copies(2) == 1
        r.pair = before  # the worker died before its state was recorded
        result = await r.snapshot()
        assert (r.copies(2), result.retry) == (1, None)
        assert r.pair is not None
        [(source, copy)] = r.pair.worklog_map.items()
        assert (source[:2], copy[:2]) == ("1:", "2:")


async def test_a_site_without_time_tracking_is_a_warning_and_a_later_look_copies() -> None:
    async with rig(time_tracking=False) as r:
        await r.snapshot()
        refused = await r.logged()
        assert refused.retry is None
        assert r.pair is not None
        assert r.pair.failure is None
        assert [w.code for w in r.pair.warnings] == ["worklog-refused"]
        r.sites[2].site.time_tracking = True
        await r.snapshot()
        assert r.worklogs(2) == [3600]
        assert r.pair.warnings == []  # the refusal is over with the copy


async def test_a_listing_that_failed_is_done_again_by_the_retry() -> None:
    async with rig() as r:
        await r.snapshot()
        r.sites[2].faults = Faults(error_rate=1.0)
        failed = await r.logged()
        assert failed.retry is not None
        assert r.pair is not None
        assert r.pair.failure is not None
        assert r.pair.failure.reason.startswith("SyncWorklogs on site 2")
        r.sites[2].faults = Faults()
        again = await r.step(Reexamine("retry"))
        assert again.retry is None
        assert r.worklogs(2) == [3600]
        assert r.pair.failure is None
