"""Every synced field kind, both ways, through the real applier against two emulated sites
over HTTP (no Kafka: each step is what the pair agent does for one message).

Site 2's project differs from site 1's as real partner projects do: other custom field ids,
a component and a version site 1 lacks (and the reverse), a person with another account id
but the same visible email, and a person with no account on site 2 at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox import SiteConfig
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from sandbox.users import ALICE
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.catalog import SiteCatalogs, resolve_custom_fields
from streams.sync.engine import handle
from streams.sync.fields import ASSIGNEE, DEFAULT_FIELDS, FieldMaps, canonical
from streams.sync.mapping import CustomFieldSpec
from streams.sync.messages import IssueChanged, SiteNumber, SyncConfig
from tests.infra import OPENAPI_SPEC
from tests.jira.rig import sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
SYNC_ACCOUNT = "712020:5e1f0c4a-7d1b-4c1e-9a63-5a4d0b5c0001"
CUSTOM = [
    CustomFieldSpec(name="Customer", type="text"),
    CustomFieldSpec(name="Severity", type="select"),
    CustomFieldSpec(name="Story Points", type="number"),
    CustomFieldSpec(name="Go-live", type="date"),
    CustomFieldSpec(name="Platforms", type="multiselect"),
    CustomFieldSpec(name="Tags", type="labels"),
]
SITE2 = {
    "text_field_id": "customfield_10142",
    "select_field_id": "customfield_10150",
    "number_field_id": "customfield_10116",
    "date_field_id": "customfield_10170",
    "multiselect_field_id": "customfield_10180",
    "labels_field_id": "customfield_10190",
    "components": ("Backend", "Mobile"),
    "versions": ("1.0", "3.0"),
}


@dataclass
class Rig:
    applier: Applier
    config: SyncConfig
    sites: dict[int, Emulator]
    clients: dict[int, JiraClient]
    pair: PairState | None = None
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def sync(self, site: SiteNumber, key: str) -> None:
        """What a webhook for ``key`` leads to."""
        issue = await self.clients[site].get_issue(key, fields=self.applier.read_fields(site))
        values = canonical(site, issue.fields, self.config.maps)
        self.clock += timedelta(seconds=1)
        change = IssueChanged(site, "snapshot", issue.id, key, values, self.clock)
        result = await handle(change, self.pair, self.config, self.applier, self.clock)
        assert result.retry is None, result.retry
        self.pair = result.state

    def writes(self) -> dict[int, int]:
        return {
            site: sum(1 for c in emulator.calls if c.write and c.email == "sandbox@example.com")
            for site, emulator in self.sites.items()
        }

    def fields(self, site: int, key: str) -> dict[str, Any]:
        return self.sites[site].issues[key].fields

    def warnings(self) -> dict[str | None, str]:
        assert self.pair is not None
        return {w.field: w.message for w in self.pair.warnings if w.code == "value-missing"}


@asynccontextmanager
async def rig(create_missing: bool = False) -> AsyncIterator[Rig]:
    configs = {
        1: SiteConfig(project_key="PROJ1", contract=CONTRACT),
        2: SiteConfig(project_key="PROJ2", contract=CONTRACT, **SITE2),
    }
    async with two_sites(configs[1], configs[2]) as running:
        one, two = running[1], running[2]
        one.emulator.add_user("Carol", "carol@example.com", account_id="carol-1")
        two.emulator.add_user("Carol", "carol@example.com", account_id="carol-2")
        one.emulator.add_user("Dave", "dave@example.com", account_id="dave-1")
        async with open_client(sync_auth(one)) as c1, open_client(sync_auth(two)) as c2:
            clients = {1: c1, 2: c2}
            resolved, problems = await resolve_custom_fields(clients, CUSTOM)
            assert problems == []
            maps = FieldMaps(custom=tuple(resolved))
            config = SyncConfig(
                project_keys={1: "PROJ1", 2: "PROJ2"},
                maps=maps,
                fields=(*DEFAULT_FIELDS, ASSIGNEE, *(c.key for c in resolved)),
                create_missing=create_missing,
            )
            catalogs = SiteCatalogs(clients, config.project_keys, maps, create_missing)
            urls = {1: one.base_url, 2: two.base_url}
            applier = Applier(clients, config, urls, catalogs=catalogs)
            yield Rig(applier, config, {1: one.emulator, 2: two.emulator}, clients)


async def create(r: Rig, site: int, fields: dict[str, Any]) -> str:
    project = {"key": f"PROJ{site}"}
    body = {"project": project, "issuetype": {"name": "Bug"}, "summary": "Fields", **fields}
    created = await r.clients[site].transport.request(
        "POST", "/rest/api/3/issue", json={"fields": body}
    )
    return str(created["key"])


async def edit(r: Rig, site: int, key: str, fields: dict[str, Any]) -> None:
    await r.clients[site].transport.request(
        "PUT", f"/rest/api/3/issue/{key}", json={"fields": fields}
    )


def names(value: list[dict[str, Any]]) -> list[str]:
    return sorted(item.get("name", item.get("value")) for item in value)


async def test_every_field_kind_follows_both_ways_and_what_a_site_lacks_is_a_warning() -> None:
    async with rig() as r:
        key1 = await create(
            r,
            1,
            {
                "components": [{"name": "Backend"}, {"name": "Frontend"}],
                "fixVersions": [{"name": "1.0"}, {"name": "2.0"}],
                "duedate": "2027-03-01",
                "assignee": {"accountId": "carol-1"},
                "customfield_10042": "ACME",
                "customfield_10050": {"value": "Major"},
                "customfield_10016": 8,
                "customfield_10070": "2027-04-01",
                "customfield_10080": [{"value": "Web"}, {"value": "iOS"}],
                "customfield_10090": ["beta", "alpha"],
            },
        )
        await r.sync(1, key1)
        assert r.pair is not None
        assert r.pair.site2 is not None
        key2 = r.pair.site2.key
        twin = r.fields(2, key2)
        assert twin["issuetype"]["name"] == "Bug"
        assert names(twin["components"]) == ["Backend"]  # site 2 has no Frontend
        assert names(twin["fixVersions"]) == ["1.0"]  # nor 2.0
        assert twin["duedate"] == "2027-03-01"
        assert twin["assignee"]["accountId"] == "carol-2"  # same visible email
        assert twin["customfield_10142"] == "ACME"
        assert twin["customfield_10150"]["value"] == "Major"
        assert twin["customfield_10116"] == 8
        assert twin["customfield_10170"] == "2027-04-01"
        assert names(twin["customfield_10180"]) == ["Web", "iOS"]
        assert sorted(twin["customfield_10190"]) == ["alpha", "beta"]
        assert "Frontend" in r.warnings()["components"]
        assert "2.0" in r.warnings()["fixVersions"]

        before = r.writes()
        await r.sync(2, key2)  # the counterpart's own webhook: nothing left to write
        await r.sync(1, key1)
        assert r.writes() == before

        # Edits on site 2 come back, each field kind; what site 1 holds stays put.
        await edit(
            r,
            2,
            key2,
            {
                "duedate": "2027-05-05",
                "assignee": {"accountId": ALICE},  # the same account id on both sites
                "customfield_10142": "ACME Corp",
                "customfield_10150": {"value": "Critical"},
                "customfield_10116": 13.5,
                "customfield_10170": None,
                "customfield_10180": [{"value": "Android"}],
                "customfield_10190": ["gamma"],
                "fixVersions": [{"name": "1.0"}, {"name": "3.0"}],
            },
        )
        before = r.writes()
        await r.sync(2, key2)
        assert r.writes() == {1: before[1] + 1, 2: before[2]}  # one edit, nothing echoed
        mine = r.fields(1, key1)
        assert mine["duedate"] == "2027-05-05"
        assert mine["assignee"]["accountId"] == ALICE
        assert mine["customfield_10042"] == "ACME Corp"
        assert mine["customfield_10050"]["value"] == "Critical"
        assert mine["customfield_10016"] == 13.5
        assert mine["customfield_10070"] is None
        assert names(mine["customfield_10080"]) == ["Android"]
        assert mine["customfield_10090"] == ["gamma"]
        assert names(mine["fixVersions"]) == ["1.0"]  # 3.0 does not exist on site 1
        assert "3.0" in r.warnings()["fixVersions"]
        assert names(mine["components"]) == ["Backend", "Frontend"]  # untouched

        before = r.writes()
        await r.sync(1, key1)
        await r.sync(2, key2)
        assert r.writes() == before  # the held differences are not changes


async def test_a_person_without_an_account_on_the_other_site_is_left_unassigned() -> None:
    async with rig() as r:
        key1 = await create(r, 1, {"assignee": {"accountId": "dave-1"}})
        await r.sync(1, key1)
        assert r.pair is not None
        assert r.pair.site2 is not None
        key2 = r.pair.site2.key
        assert r.fields(2, key2)["assignee"] is None
        assert "dave-1" in r.warnings()["assignee"]
        assert r.fields(1, key1)["assignee"]["accountId"] == "dave-1"  # never unassigned here
        before = r.writes()
        await r.sync(2, key2)
        assert r.writes() == before


async def test_missing_components_and_versions_are_created_when_configured() -> None:
    async with rig(create_missing=True) as r:
        fields = {
            "components": [{"name": "Frontend"}],
            "fixVersions": [{"name": "2.0"}],
        }
        key1 = await create(r, 1, fields)
        await r.sync(1, key1)
        assert r.pair is not None
        assert r.pair.site2 is not None
        twin = r.fields(2, r.pair.site2.key)
        assert names(twin["components"]) == ["Frontend"]
        assert names(twin["fixVersions"]) == ["2.0"]
        assert r.warnings() == {}
        project = await r.clients[2].transport.request("GET", "/rest/api/3/project/PROJ2")
        assert [c["name"] for c in project["components"]] == ["Backend", "Mobile", "Frontend"]


async def test_a_custom_field_a_site_lacks_is_reported_and_left_out() -> None:
    async with rig() as r:
        specs = [
            CustomFieldSpec(name="Customer", type="text"),
            CustomFieldSpec(name="Customer", site2_name="Client", type="text"),
        ]
        resolved, problems = await resolve_custom_fields(r.clients, specs)
        assert [(c.name, dict(c.ids)) for c in resolved] == [
            ("Customer", {1: "customfield_10042", 2: "customfield_10142"})
        ]
        assert problems == ["site 2 has no custom field named 'Client'"]
