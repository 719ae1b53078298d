"""A worker killed between a JIRA write and its record loses no change and makes no false
conflict; a new counterpart's status never overrides one someone set on it meanwhile.

The engine and applier against two emulated sites over HTTP, no Kafka. A kill -9 is the
step's result thrown away: the next worker starts from the last state made durable, the
intent recorded before the writes (``Applier.before_writes``). Found by
``tests/e2e/test_chaos.py::test_kill_9_during_a_burst_loses_and_duplicates_nothing``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox import Faults, SiteConfig
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from sandbox.transitions import as_a_person, perform
from sandbox.users import ALICE, User
from streams.jira.sites import open_client
from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.applier import Applier
from streams.sync.engine import handle
from streams.sync.messages import (
    CreateCounterpart,
    IssueChanged,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import decide
from streams.sync.running import resolved
from tests.infra import OPENAPI_SPEC
from tests.jira.rig import recorded, sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
T0 = datetime.now(UTC)
ACCOUNT = SiteConfig().integration_account_id
CONFIG = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"},
    integration_accounts={1: ACCOUNT, 2: ACCOUNT},
    create_grace=timedelta(seconds=30),
)
START = {"summary": "Printer on fire", "status": "In Progress"}


@dataclass
class Rig:
    applier: Applier
    sites: dict[int, Emulator]
    intents: list[PairState]

    def edit(self, site: int, key: str, **fields: Any) -> None:
        """A human's edit, inside the site (its webhook is not delivered: events are
        handed to the engine by the test)."""
        emulator = self.sites[site]
        issue = emulator.site.find(key)
        emulator.site.edit(alice(emulator), issue, {"fields": fields})

    def move(self, site: int, key: str, status: str) -> None:
        emulator = self.sites[site]
        issue = emulator.site.find(key)
        wanted = emulator.site.workflow.status_named(status)
        assert wanted is not None
        [transition] = [
            t
            for t in emulator.site.workflow.available(issue.fields["status"]["id"])
            if t.to == wanted.id
        ]
        perform(emulator.site, alice(emulator), issue, as_a_person(emulator.site, transition))

    def status(self, site: int, key: str) -> str:
        return str(self.sites[site].site.find(key).fields["status"]["name"])

    def summary(self, site: int, key: str) -> str:
        return str(self.sites[site].site.find(key).fields["summary"])


def alice(emulator: Emulator) -> User:
    user = emulator.users.get(ALICE)
    assert user is not None
    return user


@asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    # recovery finds the create at once: search lag is tested in test_create_recovery
    faults = Faults(search_lag=0.0)
    configs = {
        n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT, faults=faults) for n in (1, 2)
    }
    async with two_sites(configs[1], configs[2]) as running:
        one, two = running[1], running[2]
        async with open_client(sync_auth(one)) as c1, open_client(sync_auth(two)) as c2:
            applier = Applier({1: c1, 2: c2}, CONFIG, {1: one.base_url, 2: two.base_url})
            intents = recorded(applier)
            one.emulator.seed_issues(1)  # the origin, PROJ1-1
            r = Rig(applier, {1: one.emulator, 2: two.emulator}, intents)
            r.move(1, "PROJ1-1", "In Progress")
            r.edit(1, "PROJ1-1", summary=START["summary"])
            yield r


def event(site: SiteNumber, minutes: int, webhook: str, **values: Any) -> IssueChanged:
    issue_id, key = ("10000", "PROJ1-1") if site == 1 else ("10000", "PROJ2-1")
    return IssueChanged(
        site,
        "updated",
        issue_id,
        key,
        {**START, **values},
        T0 + timedelta(minutes=minutes),
        webhook_id=webhook,
        actor="human",
    )


async def linked(r: Rig) -> PairState:
    created = event(1, 0, "w-created")
    result = await handle(created, None, CONFIG, r.applier, T0)
    assert result.state is not None
    assert result.state.site2 is not None
    assert r.status(2, "PROJ2-1") == "In Progress"
    r.intents.clear()
    return result.state


async def test_a_write_done_but_not_recorded_is_ours_not_a_change_of_that_side() -> None:
    async with rig() as r:
        pair = await linked(r)
        r.edit(1, "PROJ1-1", summary="A")
        first = event(1, 1, "w-a", summary="A")
        await handle(first, pair, CONFIG, r.applier, T0)  # wrote A on PROJ2-1, then died
        [intent] = r.intents
        assert intent.pending_writes["2"]["summary"] == "A"
        assert r.summary(2, "PROJ2-1") == "A"
        r.edit(1, "PROJ1-1", summary="B")  # before the redelivery reaches the next worker

        again = await handle(first, intent, CONFIG, r.applier, T0 + timedelta(minutes=2))
        assert again.state is not None
        assert again.state.conflicts == {}
        assert again.state.status is PairStatus.SYNCED
        assert again.state.pending_writes == {}
        assert r.summary(2, "PROJ2-1") == "B"
        assert again.state.base["summary"] == "B"


async def test_a_write_not_done_before_the_kill_is_decided_again() -> None:
    async with rig() as r:
        pair = await linked(r)
        r.edit(1, "PROJ1-1", summary="A")
        first = event(1, 1, "w-a", summary="A")
        decision = decide(first, pair, CONFIG, T0, None)
        assert decision.state is not None
        intent = outcomes.writes_pending(
            decision.state, [WriteFields(2, "PROJ2-1", {"summary": "A"})]
        )  # recorded, then the worker died before the write
        again = await handle(first, intent, CONFIG, r.applier, T0 + timedelta(minutes=2))
        assert again.state is not None
        assert again.state.conflicts == {}
        assert r.summary(2, "PROJ2-1") == "A"


async def test_the_status_of_a_new_counterpart_does_not_override_a_change_made_on_it() -> None:
    async with rig() as r:
        decision = decide(event(1, 0, "w-created"), None, CONFIG, T0)
        assert decision.state is not None
        create, status, _comments = decision.actions
        assert isinstance(create, CreateCounterpart)
        assert status == TransitionTo(2, "", "In Progress", guarded=True)
        made = await r.applier.apply(decision.state, create, T0)
        r.move(2, "PROJ2-1", "Done")  # someone was quicker than the sync's transition
        status_now = resolved(status, made.state)  # the new issue's key, as the engine fills it
        assert status_now is not None
        moved = await r.applier.apply(made.state, status_now, T0)
        assert r.status(2, "PROJ2-1") == "Done"
        assert moved.state.base["status"] == "In Progress"  # theirs is a change to copy

        theirs = event(2, 1, "w-done", status="Done")
        result = await handle(theirs, moved.state, CONFIG, r.applier, T0)
        assert result.state is not None
        assert result.state.conflicts == {}
        assert r.status(1, "PROJ1-1") == "Done"


async def test_a_recovered_create_gets_its_status_unless_someone_moved_it() -> None:
    for moved_meanwhile in (False, True):
        async with rig() as r:
            decision = decide(event(1, 0, "w-created"), None, CONFIG, T0)
            assert decision.state is not None
            create = decision.actions[0]
            assert isinstance(create, CreateCounterpart)
            await r.applier.apply(decision.state, create, T0)  # created, then the kill
            [intent] = r.intents
            assert intent.pending_create is not None
            assert r.status(2, "PROJ2-1") == "To Do"  # the transition never happened
            if moved_meanwhile:
                r.move(2, "PROJ2-1", "Done")

            later = T0 + timedelta(seconds=40)
            result = await handle(event(1, 0, "w-created"), intent, CONFIG, r.applier, later)
            assert result.state is not None
            assert result.state.pending_create is None
            assert result.state.base["status"] == "In Progress"
            expected = "Done" if moved_meanwhile else "In Progress"
            assert r.status(2, "PROJ2-1") == expected
            assert r.status(1, "PROJ1-1") == "In Progress"  # a later event copies theirs
