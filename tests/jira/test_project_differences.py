"""Project differences degrade, never stop: the real applier against two emulated sites over
HTTP whose projects differ as partner projects do (a create or edit screen without a field,
a priority or an issue type the origin has and the target lacks).

Each step is what the pair agent does for one message (no Kafka).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, cast

from sandbox import SiteConfig
from sandbox.catalog import Catalog
from sandbox.edits import Screens
from streams.jira.sites import open_client
from streams.state import PairStatus
from streams.sync.applier import Applier
from streams.sync.catalog import SiteCatalogs, resolve_custom_fields
from streams.sync.engine import handle
from streams.sync.fields import DEFAULT_FIELDS, FieldMaps, NameMap, canonical
from streams.sync.messages import IssueChanged, PairMessage, Reexamine, SyncConfig
from streams.sync.retrying import Backoff, needs_another_look
from tests.jira.rig import SYNC_ACCOUNT, sync_auth, two_sites
from tests.jira.test_field_sync import CONTRACT, CUSTOM, SITE2, Rig, create, edit
from tests.unit.sync.test_follow_up import Topic, _follow_up, sinks

CUSTOMER_2 = SITE2["text_field_id"]  # site 2's id of "Customer"


@asynccontextmanager
async def rig(
    site2: dict[str, Any] | None = None, maps: dict[str, NameMap] | None = None
) -> AsyncIterator[Rig]:
    configs = {
        1: SiteConfig(project_key="PROJ1", contract=CONTRACT),
        2: SiteConfig(project_key="PROJ2", contract=CONTRACT, **{**SITE2, **(site2 or {})}),
    }
    async with (
        two_sites(configs[1], configs[2]) as running,
        open_client(sync_auth(running[1])) as c1,
        open_client(sync_auth(running[2])) as c2,
    ):
        clients = {1: c1, 2: c2}
        for site, client in clients.items():  # as the worker does at start
            await client.may_discard_notifications(f"PROJ{site}")
        resolved, problems = await resolve_custom_fields(clients, CUSTOM)
        assert problems == []
        field_maps = FieldMaps(custom=tuple(resolved), **(maps or {}))
        config = SyncConfig(
            project_keys={1: "PROJ1", 2: "PROJ2"},
            maps=field_maps,
            fields=(*DEFAULT_FIELDS, *(c.key for c in resolved)),
        )
        catalogs = SiteCatalogs(clients, config.project_keys, field_maps)
        urls = {1: running[1].base_url, 2: running[2].base_url}
        applier = Applier(clients, config, urls, catalogs=catalogs)
        sites = {1: running[1].emulator, 2: running[2].emulator}
        yield Rig(applier, config, sites, clients)


def screens_without(*field_ids: str, create: bool = True, edit: bool = True) -> frozenset[str]:
    """Site 2's default create (or edit) screen without ``field_ids``."""
    defaults = Screens.defaults(Catalog(SiteConfig(project_key="PROJ2", **SITE2)))
    screen = defaults.create if create else defaults.edit
    return screen - set(field_ids)


def calls(r: Rig, site: int, method: str) -> list[int]:
    """The statuses of the sync's ``method`` calls on issues of ``site``, in order."""
    return [
        c.status
        for c in r.sites[site].calls
        if c.email == SYNC_ACCOUNT
        and c.method == method
        and c.path.startswith("/rest/api/3/issue")
        and "/comment" not in c.path
        and "/remotelink" not in c.path
        and "/properties" not in c.path
    ]


def warnings(r: Rig, code: str) -> dict[str | None, str]:
    assert r.pair is not None
    return {w.field: w.message for w in r.pair.warnings if w.code == code}


def twin_key(r: Rig) -> str:
    assert r.pair is not None
    assert r.pair.site2 is not None, r.pair.failure
    return r.pair.site2.key


async def test_a_custom_field_the_edit_screen_refuses_costs_one_refused_put_and_one_retry() -> None:
    site2 = {"edit_screen": screens_without(CUSTOMER_2, create=False)}
    async with rig(site2) as r:
        key1 = await create(r, 1, {"customfield_10042": "ACME"})
        await r.sync(1, key1)
        key2 = twin_key(r)
        assert r.fields(2, key2)[CUSTOMER_2] == "ACME"  # the create screen has it
        puts = len(calls(r, 2, "PUT"))

        await edit(r, 1, key1, {"summary": "Renamed", "customfield_10042": "ACME Corp"})
        await r.sync(1, key1)

        assert calls(r, 2, "PUT")[puts:] == [400, 204]  # refused, then without the field
        assert r.fields(2, key2)["summary"] == "Renamed"
        assert r.fields(2, key2)[CUSTOMER_2] == "ACME"
        message = warnings(r, "field-not-on-screen")["cf:Customer"]
        assert CUSTOMER_2 in message
        assert "edit screen of site 2" in message
        assert r.pair is not None
        assert r.pair.failure is None


async def test_an_edit_whose_only_field_is_refused_is_one_put_and_a_warning() -> None:
    site2 = {"edit_screen": screens_without("summary", create=False)}
    async with rig(site2) as r:
        key1 = await create(r, 1, {})
        await r.sync(1, key1)
        key2 = twin_key(r)
        puts = len(calls(r, 2, "PUT"))
        await edit(r, 1, key1, {"summary": "Renamed"})
        await r.sync(1, key1)
        assert calls(r, 2, "PUT")[puts:] == [400]
        assert r.fields(2, key2)["summary"] == "Fields"
        assert "summary" in warnings(r, "field-not-on-screen")


async def test_a_field_the_create_screen_refuses_is_created_without_then_set_by_an_edit() -> None:
    site2 = {"create_screen": screens_without("duedate", CUSTOMER_2)}
    async with rig(site2) as r:
        key1 = await create(r, 1, {"duedate": "2027-03-01", "customfield_10042": "ACME"})
        await r.sync(1, key1)
        key2 = twin_key(r)

        assert calls(r, 2, "POST") == [400, 201]  # refused, then without the two fields
        assert calls(r, 2, "PUT") == [204]  # the edit screen takes them
        twin = r.fields(2, key2)
        assert twin["duedate"] == "2027-03-01"
        assert twin[CUSTOMER_2] == "ACME"
        refused = warnings(r, "field-not-on-create-screen")
        assert set(refused) == {"duedate", "cf:Customer"}
        assert "created without it" in refused["duedate"]
        assert warnings(r, "field-not-on-screen") == {}

        writes = r.writes()
        await r.sync(2, key2)  # the counterpart's own webhook
        await r.sync(1, key1)
        assert r.writes() == writes  # agreed: nothing left to write


async def test_a_field_neither_screen_of_the_target_has_is_left_out_and_warned() -> None:
    site2 = {
        "create_screen": screens_without("duedate"),
        "edit_screen": screens_without("duedate", create=False),
    }
    async with rig(site2) as r:
        key1 = await create(r, 1, {"duedate": "2027-03-01"})
        await r.sync(1, key1)
        key2 = twin_key(r)
        assert r.fields(2, key2)["duedate"] is None
        assert "duedate" in warnings(r, "field-not-on-create-screen")
        assert "not synced" in warnings(r, "field-not-on-screen")["duedate"]
        assert r.pair is not None
        assert r.pair.failure is None

        await edit(r, 1, key1, {"summary": "Renamed"})
        puts = len(calls(r, 2, "PUT"))
        await r.sync(1, key1)
        assert r.fields(2, key2)["summary"] == "Renamed"
        assert len(calls(r, 2, "PUT")) - puts <= 2  # bounded: refused once, then without


async def test_a_priority_the_target_lacks_becomes_its_default_with_a_warning() -> None:
    site2 = {"priorities": ("High", "Medium", "Low"), "default_priority": "Low"}
    async with rig(site2) as r:
        key1 = await create(r, 1, {"priority": {"name": "Highest"}})
        await r.sync(1, key1)
        key2 = twin_key(r)
        assert r.fields(2, key2)["priority"]["name"] == "Low"  # site 2's default
        message = warnings(r, "value-missing")["priority"]
        assert "Highest" in message
        assert "default Low" in message

        writes = r.writes()
        await r.sync(2, key2)  # what site 2 holds is not a change to bring back
        await r.sync(1, key1)
        assert r.writes() == writes
        assert r.fields(1, key1)["priority"]["name"] == "Highest"

        await edit(r, 1, key1, {"priority": {"name": "High"}})
        await r.sync(1, key1)
        assert r.fields(2, key2)["priority"]["name"] == "High"
        assert "priority" not in warnings(r, "value-missing")


async def test_a_priority_map_names_the_target_priority_both_ways() -> None:
    site2 = {"priorities": ("Blocker", "High", "Medium", "Low")}
    maps = {"priorities": NameMap({"Highest": "Blocker"})}
    async with rig(site2, maps) as r:
        key1 = await create(r, 1, {"priority": {"name": "Highest"}})
        await r.sync(1, key1)
        key2 = twin_key(r)
        assert r.fields(2, key2)["priority"]["name"] == "Blocker"
        assert warnings(r, "value-missing") == {}
        await edit(r, 2, key2, {"priority": {"name": "Medium"}})
        await r.sync(2, key2)
        assert r.fields(1, key1)["priority"]["name"] == "Medium"


async def test_an_issue_type_the_target_lacks_is_mapped_else_the_default_with_a_warning() -> None:
    site2 = {"issue_types": ("Task", "Defect")}
    async with rig(site2) as r:  # no map: the default type, and why
        key1 = await create(r, 1, {})  # a Bug
        await r.sync(1, key1)
        assert r.fields(2, twin_key(r))["issuetype"]["name"] == "Task"
        message = warnings(r, "value-missing")["issuetype"]
        assert "Bug" in message
        assert "created as Task" in message
    async with rig(site2, {"issue_types": NameMap({"Bug": "Defect"})}) as r:
        key1 = await create(r, 1, {})
        await r.sync(1, key1)
        assert r.fields(2, twin_key(r))["issuetype"]["name"] == "Defect"
        assert "issuetype" not in warnings(r, "value-missing")


async def test_a_permanent_failure_is_dead_lettered_once_over_sweeps_and_again_on_news() -> None:
    """Site 2's create screen lacks the summary JIRA requires: every create is refused for
    good. The sweep looks at the pair again every interval; the dead letter is written once,
    and again only when something new (an event) meets the failure."""
    site2 = {"create_screen": screens_without("summary")}
    async with rig(site2) as r:
        key1 = await create(r, 1, {})
        out = sinks()
        work = Backoff()

        async def step(message: PairMessage) -> None:
            r.clock += timedelta(minutes=15)
            result = await handle(message, r.pair, r.config, r.applier, r.clock)
            r.pair, _ = await _follow_up(work, out, b"1:pair", message, r.pair, result, r.clock)

        issue = await r.clients[1].get_issue(key1, fields=r.applier.read_fields(1))
        values = canonical(1, issue.fields, r.config.maps)
        await step(IssueChanged(1, "created", issue.id, key1, values, r.clock))
        for _ in range(3):
            assert r.pair is not None
            assert needs_another_look(r.pair)
            await step(Reexamine("scheduled retry"))
        assert r.pair is not None
        assert r.pair.status is PairStatus.FAILED
        assert r.pair.failure is not None
        assert r.pair.failure.attempts == 4  # every sweep tried the create again
        assert calls(r, 2, "POST").count(400) == 8  # each: refused, then without the summary
        letters = cast(Topic, out.dead_letter).sent
        assert len(letters) == 1
        assert "summary" in letters[0][1]["reason"]

        await step(IssueChanged(1, "updated", issue.id, key1, values, r.clock))  # news
        await step(Reexamine("scheduled retry"))
        assert len(cast(Topic, out.dead_letter).sent) == 2
