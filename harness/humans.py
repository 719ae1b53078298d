"""Humans at work on the pipeline's sites, for the chaos and convergence tests: alice
(site 1) and bob (site 2) create issues and change every synced field through REST
(``Humans``); ``Tracked`` is one issue they made and the values they last left on it.
The checks say what is not synced yet, and tell the story of a pair when a test fails."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.pipeline import Pipeline, fields_of
from harness.sites import SYNC_ACCOUNT
from sandbox.emulator import writes_by
from sandbox.model import Issue
from streams.jira.adf import text_to_adf
from streams.topics import Topics

STATUSES = ("To Do", "In Progress", "In Review", "Done")
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
CHANGES = ("summary", "labels", "priority", "description", "status")


@dataclass
class Tracked:
    """One issue a human made, and the synced fields as the humans last left them."""

    origin: int
    key: str
    expected: dict[str, Any]
    editor: int  # the side humans edit: one side per pair, so no change ever conflicts
    changes: int = 0

    @property
    def other(self) -> int:
        return 2 if self.origin == 1 else 1


class Humans:
    """alice (site 1) and bob (site 2) at work through REST: creates, edits of every synced
    field and transitions. About half of the pairs are edited on their counterpart (made by
    the sync), the others on the original; every change changes something, so each one is
    a webhook.
    """

    def __init__(self, p: Pipeline, dice: random.Random) -> None:
        self.p = p
        self.dice = dice
        self.made: list[Tracked] = []

    @property
    def changes(self) -> int:
        return len(self.made) + sum(t.changes for t in self.made)

    async def create(self, site: int) -> Tracked:
        n = len(self.made)
        key = await self.p.create(site, f"Issue {n} from site {site}", labels=[f"i{n}"])
        editor = self.dice.choice((1, 2))
        tracked = Tracked(site, key, fields_of(self.p.issues(site)[key]), editor)
        self.made.append(tracked)
        return tracked

    async def change(self) -> None:
        """One change of a random issue, on its editing side (a pair edited on the
        counterpart is left alone until the sync has made it)."""
        for _ in range(300):
            marked = {site: self._marked(site) for site in (1, 2)}
            ready = [(t, side) for t in self.made if (side := self._editing(t, marked))]
            if ready:
                break
            await asyncio.sleep(0.1)  # only counterparts to edit, and none made yet
        else:
            raise AssertionError("no counterpart was made within 30 s")
        tracked, (site, key) = self.dice.choice(ready)
        what = self.dice.choice(CHANGES)
        n = tracked.changes = tracked.changes + 1
        now = tracked.expected
        if what == "status":
            await self.p.transition(site, key, self._other(STATUSES, now["status"]))
        elif what == "priority":
            await self.p.edit(site, key, priority={"name": self._other(PRIORITIES, now[what])})
        elif what == "summary":
            await self.p.edit(site, key, summary=f"{now['summary'].split(' v')[0]} v{n}")
        elif what == "labels":
            await self.p.edit(site, key, labels=[f"c{n}", self.dice.choice(("ops", "dev"))])
        else:
            await self.p.edit(site, key, description=text_to_adf(f"Change {n} on site {site}"))
        tracked.expected = fields_of(self.p.issues(site)[key])
        assert tracked.expected != now, f"{what} of {key} changed nothing"

    def _editing(
        self, tracked: Tracked, marked: dict[int, dict[str, list[Issue]]]
    ) -> tuple[int, str] | None:
        """The site and key humans edit this pair on; None while that issue does not exist."""
        if tracked.editor == tracked.origin:
            return (tracked.origin, tracked.key)
        twins = marked[tracked.editor].get(tracked.key)
        return (tracked.editor, twins[0].key) if twins else None

    def _other(self, choices: tuple[str, ...], current: str) -> str:
        return self.dice.choice([c for c in choices if c != current])

    def counterparts(self, tracked: Tracked) -> list[Issue]:
        """The issues on the other site whose link marker names this one."""
        return self._marked(tracked.other).get(tracked.key, [])

    def _marked(self, site: int) -> dict[str, list[Issue]]:
        """The issues the sync made on ``site``, by the key their link marker names."""
        marked: dict[str, list[Issue]] = {}
        for issue in self.p.issues(site).values():
            marker = issue.properties.get("jira-sync.link")
            if isinstance(marker, dict):
                marked.setdefault(str(marker.get("key")), []).append(issue)
        return marked

    def behind(self) -> list[str]:
        """What is not synced yet: one line per pair whose sides differ from the humans'."""
        lagging = []
        marked = {site: self._marked(site) for site in (1, 2)}
        for tracked in self.made:
            mine = self.p.issues(tracked.origin).get(tracked.key)
            twins = marked[tracked.other].get(tracked.key, [])
            if mine is None or len(twins) != 1:
                lagging.append(f"{tracked.key}: {len(twins)} counterparts")
            elif not fields_of(mine) == fields_of(twins[0]) == tracked.expected:
                lagging.append(
                    f"{tracked.key} (edited on site {tracked.editor}): {fields_of(mine)}, "
                    f"{twins[0].key}: {fields_of(twins[0])}, expected {tracked.expected}"
                )
        return lagging

    async def no_write_back(self) -> None:
        """The sync made no field write (edit, transition) on the side the humans edit:
        such a write is an echo or a stale value written back over theirs. Remote links
        do not count."""
        edited: dict[tuple[int, str], str] = {}  # (site, issue key or id) -> pair's key
        marked = {site: self._marked(site) for site in (1, 2)}
        for tracked in self.made:
            if tracked.editor == tracked.origin:
                issues = [self.p.issues(tracked.origin)[tracked.key]]
            else:
                issues = marked[tracked.editor].get(tracked.key, [])
            for issue in issues:
                edited[(tracked.editor, issue.key)] = edited[(tracked.editor, issue.id)] = (
                    tracked.key
                )
        back: dict[str, str] = {}
        for site in (1, 2):
            for call in writes_by(self.p.sites[site].emulator, SYNC_ACCOUNT):
                parts = call.path.split("/")  # /rest/api/3/issue/KEY[/transitions]
                if len(parts) < 6 or parts[4] != "issue" or parts[-1] == "remotelink":
                    continue
                if (site, parts[5]) in edited:
                    back[f"{call.method} {call.path} on site {site}"] = edited[(site, parts[5])]
        if back:
            report = await self.diagnose(list(back.values()))
            raise AssertionError(
                f"the sync wrote on the side the humans edit: {list(back)[:3]} "
                f"(histories in {report})"
            )

    async def synced(self, within: float) -> None:
        """Until every pair holds the humans' last values on both sides."""
        try:
            await self.p.eventually(lambda: not self.behind(), within=within)
        except AssertionError as error:
            lagging = self.behind()
            states = (await self.p.pair_states()).values()
            unsettled = [
                f"{s['pair_id']} {s['status']} {sorted(s.get('conflicts') or {})}"
                for s in states
                if s["status"] != "synced"
            ]
            report = await self.diagnose([line.split()[0] for line in lagging])
            raise AssertionError(
                f"{error}; {len(lagging)} pairs behind: {lagging[:3]}; pairs not synced: "
                f"{unsettled[:5]}; their histories in {report}"
            ) from None

    async def diagnose(self, keys: list[str]) -> Path:
        """The story of some pairs, for a failure: both issues' changelogs (who changed
        what, when) and every state the sync recorded for the pair."""
        records = await self.p.read(Topics(self.p.prefix).sync_state)
        lines = []
        for tracked in (t for t in self.made if t.key in keys):
            origin = self.p.issues(tracked.origin)[tracked.key]
            lines.append(f"== {tracked.key} (edited on site {tracked.editor}): {tracked.expected}")
            for site, issue in [(tracked.origin, origin)] + [
                (tracked.other, twin) for twin in self.counterparts(tracked)
            ]:
                sync = self.p.sites[site].emulator.config.integration_account_id
                lines.append(f"  site {site} {issue.key}, created {issue.created_ms}")
                for group in issue.changelog:
                    who = "sync" if group.author_id == sync else "human"
                    changes = [f"{i.field}: {i.from_string} -> {i.to_string}" for i in group.items]
                    lines.append(f"    {group.created_ms} {who} {'; '.join(changes)}")
            pair_id = f"{tracked.origin}:{origin.id}".encode()
            for key, value in records:
                if key == pair_id:
                    lines.append(f"  state {value.decode()}")
        report = self.p.tmp / "diagnosis.txt"
        report.write_text("\n".join(lines) + "\n")
        return report

    def check(self) -> None:
        """Zero lost changes, zero duplicates: the humans' last values on both sides of
        every pair, each issue once, and no issue the humans did not cause."""
        lagging = self.behind()
        assert not lagging, f"{len(lagging)} pairs differ, e.g. {lagging[:3]}"
        for site in (1, 2):
            origins = sum(1 for t in self.made if t.origin == site)
            assert len(self.p.issues(site)) == len(self.made), (
                f"site {site}: {len(self.p.issues(site))} issues for {origins} made here and "
                f"{len(self.made) - origins} counterparts"
            )
