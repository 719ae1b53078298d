"""Connections (``SYNC_CONNECTIONS_FILE``) through the real pipeline (ingress, Kafka, the
worker process, two emulated sites over HTTP, each holding several projects): three project
pairs in one deployment, one of them with a JQL filter on site 1. Issues made on both sides
in every project, some while the webhooks are lost, end with their copy in the other
project of their own connection and nowhere else; the filtered connection copies only
matching issues from site 1; an issue of a project in no connection is not copied. A full
resync repairs the outage, every pair names its connection, and a second one writes
nothing; a full resync of one connection copies only its own lost issues."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT

pytestmark = pytest.mark.integration

CONNECTIONS = """\
connections:
  - name: main
    projects: {1: PROJ1, 2: PROJ2}
  - name: alpha
    projects: {1: ALPHA, 2: APART}
    mapping: alpha.yaml
  - name: beta
    projects: {1: BETA, 2: BPART}
    conflict_policy: jira2
"""
PAIRS = {"main": ("PROJ1", "PROJ2"), "alpha": ("ALPHA", "APART"), "beta": ("BETA", "BPART")}
LONE = "LONE"  # a project of site 1 in no connection
SITES = {1: {"other_projects": ("ALPHA", "BETA", LONE)}, 2: {"other_projects": ("APART", "BPART")}}


@dataclass(frozen=True)
class Made:
    site: int
    key: str
    connection: str | None  # None: its project is in no connection
    copied: bool  # whether a copy is expected

    @property
    def copy_project(self) -> str | None:
        if self.connection is None:
            return None
        return PAIRS[self.connection][2 - self.site]


def project(key: str) -> str:
    return key.rpartition("-")[0]


async def make_issues(p: Pipeline, made: list[Made], tag: str) -> None:
    """A few issues in every project on both sides: in the filtered connection, site 1's
    ``partner`` issues match its filter and the others do not."""
    for name, (one, two) in PAIRS.items():
        for n in range(2):
            partner = name != "alpha" or n == 0
            labels = ["partner"] if partner else ["ops"]
            key = await p.create(1, f"{tag} {one} {n}", project={"key": one}, labels=labels)
            made.append(Made(1, key, name, partner))
        key = await p.create(2, f"{tag} {two}", project={"key": two})
        made.append(Made(2, key, name, True))
    key = await p.create(1, f"{tag} {LONE}", project={"key": LONE}, labels=["partner"])
    made.append(Made(1, key, None, False))


def all_copied(p: Pipeline, made: list[Made]) -> bool:
    return all(p.twin(3 - m.site, m.key) is not None for m in made if m.copied)


async def test_three_connections_in_one_deployment_keep_to_their_own_projects(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    (tmp_path / "alpha.yaml").write_text('filters:\n  jql:\n    1: "labels = partner"\n')
    (tmp_path / "connections.yaml").write_text(CONNECTIONS)
    env = {"SYNC_CONNECTIONS_FILE": str(tmp_path / "connections.yaml")}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env, site_options=SITES) as p:
        made: list[Made] = []
        await make_issues(p, made, "Live")
        await p.eventually(lambda: all_copied(p, made), within=120)
        await p.quiet()

        targets = {n: site.emulator.dispatcher.target for n, site in p.sites.items()}
        for site in p.sites.values():
            site.emulator.set_webhook(None)  # an outage: every webhook is lost
        lost: list[Made] = []
        await make_issues(p, lost, "Lost")
        for number, site in p.sites.items():
            site.emulator.dispatcher.target = targets[number]
        await asyncio.sleep(3)  # the search index caught up: the resync sees every issue
        assert not any(p.twin(3 - m.site, m.key) for m in lost)
        made += lost

        await p.send_command({"full_resync": True})
        await p.eventually(lambda: all_copied(p, made), within=120)
        await asyncio.sleep(3)
        await p.quiet()
        check_copies(p, made)
        await check_pairs(p, made)
        assert await p.unsettled() == {}
        assert await p.dead_letters() == []

        written = (p.sync_writes(1), p.sync_writes(2))
        await p.send_command({"full_resync": True})
        await asyncio.sleep(3)
        await p.quiet()
        assert (p.sync_writes(1), p.sync_writes(2)) == written
        check_copies(p, made)

        for site in p.sites.values():  # another outage, then one connection resynced
            site.emulator.set_webhook(None)
        in_beta = await p.create(1, "Lost again in BETA", project={"key": "BETA"})
        in_alpha = await p.create(
            1, "Lost again in ALPHA", project={"key": "ALPHA"}, labels=["partner"]
        )
        for number, site in p.sites.items():
            site.emulator.dispatcher.target = targets[number]
        await asyncio.sleep(3)
        await p.send_command({"full_resync": True, "connection": "beta"})
        await p.eventually(lambda: p.twin(2, in_beta) is not None)
        await asyncio.sleep(3)
        await p.quiet()
        copy = p.twin(2, in_beta)
        assert copy is not None
        assert project(copy.key) == "BPART"
        assert p.twin(2, in_alpha) is None  # not in the connection resynced


def check_copies(p: Pipeline, made: list[Made]) -> None:
    """Each copy in the other project of its connection, nothing else on either site."""
    for m in made:
        twin = p.twin(3 - m.site, m.key)
        if m.copied:
            assert twin is not None, m
            assert project(twin.key) == m.copy_project, (m, twin.key)
        else:
            assert twin is None, (m, twin.key if twin else None)
    for site in (1, 2):
        expected = Counter(project(m.key) for m in made if m.site == site)
        expected.update(m.copy_project for m in made if m.site != site and m.copied)
        have = Counter(project(key) for key in p.issues(site))
        assert have == expected, (site, have, expected)  # no duplicates, nothing crossed


async def check_pairs(p: Pipeline, made: list[Made]) -> None:
    """One pair per copied issue, naming its connection and its two keys' projects."""
    states = await p.pair_states()
    copied = {m.key: m for m in made if m.copied}
    assert len(states) == len(copied)
    seen: list[str] = []
    for pair_id, state in states.items():
        assert state["pair_id"] == pair_id
        one, two = state["site1"]["key"], state["site2"]["key"]
        original = copied[one] if state["origin"] == 1 else copied[two]
        assert state["connection"] == original.connection, (pair_id, state["connection"])
        assert (project(one), project(two)) == PAIRS[original.connection]
        seen.append(original.key)
    assert sorted(seen) == sorted(copied)  # every copied issue in exactly one pair


async def test_rights_are_asked_in_each_connections_project(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The sync account administers PROJ2 only on site 2: creates in APART must not send a
    reporter JIRA refuses there, nor edits there ``notifyUsers=false`` (a 403 each)."""
    (tmp_path / "connections.yaml").write_text(
        "connections:\n"
        "  - {name: main, projects: {1: PROJ1, 2: PROJ2}}\n"
        "  - {name: alpha, projects: {1: ALPHA, 2: APART}}\n"
    )
    env = {"SYNC_CONNECTIONS_FILE": str(tmp_path / "connections.yaml")}
    admin = {"integration_role": "project-admin", "integration_admin_of": ("PROJ2",)}
    sites = {1: {"other_projects": ("ALPHA",)}, 2: {"other_projects": ("APART",)} | admin}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env, site_options=sites) as p:
        key = await p.create(1, "In alpha", project={"key": "ALPHA"})
        await p.eventually(lambda: p.twin(2, key) is not None)
        await p.edit(1, key, summary="In alpha, edited")
        twin = p.twin(2, key)
        assert twin is not None
        await p.eventually(lambda: twin.fields["summary"] == "In alpha, edited")
        await p.quiet()
        refused = [
            (c.method, c.path, c.status)
            for c in p.sites[2].emulator.calls
            if c.email == SYNC_ACCOUNT and c.status in {400, 403}
        ]
        assert refused == []
        assert await p.unsettled() == {}
