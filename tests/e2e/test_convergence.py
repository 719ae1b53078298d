"""Convergence through the real pipeline (issue #9): random scripts of concurrent changes on
both sites (fields, status, comments), a sample of the pure model's 1,000 scenarios
(``tests/unit/sync/test_convergence.py``) and of the exact simulation's. After quiescence
every pair agrees on each synced field unless that field's conflict is recorded, every
comment is on both sides once, and the sync's writes stay within a bound.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.humans import PRIORITIES, STATUSES
from harness.pipeline import SYNCED, Pipeline, fields_of, pipeline
from sandbox.model import Issue
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration

SEEDS = tuple(range(11, 17))  # one script each; every script is replayable from its seed
PAIRS, ROUNDS = 3, 4
KINDS = ("summary", "labels", "priority", "status", "comment")


@dataclass
class Pair:
    origin: int
    key: str
    id: str
    twin: Issue | None = None
    comments: int = 0  # written by humans, on either side
    changes: int = 0  # field changes by humans, on either side

    def side(self, site: int) -> str:
        if site == self.origin:
            return self.key
        assert self.twin is not None
        return self.twin.key


def marked_twin(p: Pipeline, pair: Pair) -> Issue | None:
    """The counterpart whose link marker names this pair's origin (exactly, by id)."""
    there = 2 if pair.origin == 1 else 1
    twins = [
        issue
        for issue in p.issues(there).values()
        if (issue.properties.get("jira-sync.link") or {}).get("id") == pair.id
    ]
    assert len(twins) <= 1, f"{pair.key} has {len(twins)} counterparts"
    return twins[0] if twins else None


async def change(p: Pipeline, dice: random.Random, pair: Pair, site: int, tag: str) -> None:
    """One human change of a random kind, on ``site``'s issue of the pair."""
    key = pair.side(site)
    now = fields_of(p.issues(site)[key])
    kind = dice.choice(KINDS)
    if kind == "comment":
        body = {"body": text_to_adf(f"Comment {tag} on site {site}")}
        await p.call(site, "POST", f"/rest/api/3/issue/{key}/comment", body)
        pair.comments += 1
        return
    pair.changes += 1
    if kind == "status":
        await p.transition(site, key, dice.choice([s for s in STATUSES if s != now["status"]]))
    elif kind == "priority":
        choice = dice.choice([x for x in PRIORITIES if x != now["priority"]])
        await p.edit(site, key, priority={"name": choice})
    elif kind == "summary":
        await p.edit(site, key, summary=f"Script {tag} on site {site}")
    else:
        await p.edit(site, key, labels=[f"l{tag}", dice.choice(("ops", "dev"))])


def comment_count(p: Pipeline, site: int, issue_id: str) -> int:
    return sum(1 for c in p.sites[site].emulator.comments.values() if c.issue_id == issue_id)


@dataclass
class Script:
    seed: int
    pairs: list[Pair] = field(default_factory=list)

    async def run(self, p: Pipeline) -> None:
        dice = random.Random(self.seed)  # noqa: S311 - a replayable script, not a secret
        for n in range(PAIRS):
            origin = dice.choice((1, 2))
            key = await p.create(origin, f"Seed {self.seed} issue {n}", labels=["start"])
            self.pairs.append(Pair(origin, key, p.issues(origin)[key].id))

        def all_made() -> bool:
            for pair in self.pairs:
                pair.twin = marked_twin(p, pair)
            return all(pair.twin is not None for pair in self.pairs)

        await p.eventually(all_made, within=90)
        for round_ in range(ROUNDS):
            moves = []
            for n, pair in enumerate(self.pairs):
                sites = dice.choice(((1,), (2,), (1, 2), (1, 2)))  # half of them concurrent
                moves += [
                    change(p, dice, pair, site, f"{self.seed}.{n}.{round_}.{site}")
                    for site in sites
                ]
            await asyncio.gather(*moves)
            await asyncio.sleep(dice.uniform(0.0, 0.5))  # sometimes mid-sync, sometimes not

    def disagreements(self, p: Pipeline, states: dict[str, dict[str, Any]]) -> list[str]:
        """Fields on which a pair's sides differ without a recorded conflict, and comments
        not on both sides exactly once."""
        found = []
        for pair in self.pairs:
            twin = marked_twin(p, pair)
            assert twin is not None
            there = 2 if pair.origin == 1 else 1
            mine, theirs = fields_of(p.issues(pair.origin)[pair.key]), fields_of(twin)
            state = states.get(f"{pair.origin}:{pair.id}", {})
            conflicted = set(state.get("conflicts", {}))
            for name in SYNCED:
                if mine[name] != theirs[name] and name not in conflicted:
                    found.append(f"{pair.key} {name}: {mine[name]!r} vs {theirs[name]!r}")
            counts = (comment_count(p, pair.origin, pair.id), comment_count(p, there, twin.id))
            if counts != (pair.comments, pair.comments):
                found.append(f"{pair.key}: {counts} comments, {pair.comments} written")
        return found


async def test_random_concurrent_scripts_converge_or_record_a_conflict(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        scripts = [Script(seed) for seed in SEEDS]
        for script in scripts:
            await script.run(p)
        await p.quiet(still=5.0, within=180)
        states = await p.pair_states()
        left = [line for script in scripts for line in script.disagreements(p, states)]
        assert left == [], left
        pairs = [pair for script in scripts for pair in script.pairs]
        assert len(states) == len(pairs)
        statuses = {state["status"] for state in states.values()}
        assert statuses <= {"synced", "conflicted"}, statuses
        assert await p.dead_letters() == []
        # Per pair: a create, a remote link each way and the new issue's first status; per
        # human field change at most a status walk of 4 steps on the other side; per comment
        # one copy.
        changes = sum(pair.changes for pair in pairs)
        comments = sum(pair.comments for pair in pairs)
        writes = p.sync_writes(1) + p.sync_writes(2)
        assert writes <= 4 * len(pairs) + 4 * changes + comments, (writes, changes, comments)
        conflicted = sum(1 for state in states.values() if state["status"] == "conflicted")
        print(
            f"{len(pairs)} pairs, {changes} field changes, {comments} comments: "
            f"{writes} sync writes, {conflicted} pairs conflicted"
        )
