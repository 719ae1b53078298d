"""How far a full resync has come, folded from what Kafka shows. Pure: no I/O.

The worker carries out ``{"full_resync": true}`` by reading every issue of the project(s)
and putting each on its site's events topic as a snapshot whose webhook id is
``resync:<commands topic>:<partition>:<offset>:<issue id>`` (the command's position;
``streams/sync/agents/commands.py``). Issue ids are per site, so a snapshot is known by its topic
and webhook id together. So, from the topics alone:

- **fed**: our snapshots seen on the events topics. The list is complete once the worker
  group has committed the command itself (it commits only after every snapshot is sent).
- **handled**: fed snapshots below the worker group's committed offset of their events
  partition: the worker has routed them to their pair.
- **settled**: after the last snapshot is handled, the group's committed offsets on the
  pair-changes topic reach the end offsets seen at that moment: the merges, creates and
  writes those snapshots asked for are done.

Also counted, for the report: pair states on the sync-state topic that record one of our
snapshots, and dead letters naming one (or refusing the command).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

Position = tuple[str, int]  # topic, partition
Snapshot = tuple[str, str]  # events topic, webhook id
PREFIX = "resync:"


@dataclass
class Progress:
    command_id: str
    started: float  # monotonic seconds
    sent: bool = False  # Kafka acknowledged the command
    run: str | None = None  # "resync:<topic>:<partition>:<offset>:" once the command is seen
    command: tuple[Position, int] | None = None  # its partition and offset
    snapshots: dict[Snapshot, tuple[Position, int]] = field(default_factory=dict)  # any run's
    recorded: set[tuple[str, str]] = field(default_factory=set)  # pair id, snapshot id
    dead: dict[str, str] = field(default_factory=dict)  # snapshot id -> reason
    refused: str | None = None  # the command itself was dead-lettered
    committed: dict[Position, int] = field(default_factory=dict)  # the worker group's
    fed_complete: bool = False  # the reader has caught up since the command was taken
    drain_target: dict[Position, int] | None = None  # pair-changes ends when all handled

    # --- folding records ------------------------------------------------------------

    def on_command(self, position: Position, offset: int, value: bytes | None) -> None:
        body = _json(value)
        if isinstance(body, dict) and body.get("command_id") == self.command_id:
            self.command = (position, offset)
            self.run = f"{PREFIX}{position[0]}:{position[1]}:{offset}:"

    def on_event(self, position: Position, offset: int, value: bytes | None) -> None:
        body = _json(value)
        webhook_id = body.get("webhook_id") if isinstance(body, dict) else None
        if isinstance(webhook_id, str) and webhook_id.startswith(PREFIX):
            self.snapshots[(position[0], webhook_id)] = (position, offset)

    def on_state(self, value: bytes | None) -> None:
        body = _json(value)
        if not isinstance(body, dict):
            return
        pair, ids = str(body.get("pair_id")), body.get("recent_webhook_ids") or []
        self.recorded |= {(pair, i) for i in ids if isinstance(i, str) and i.startswith(PREFIX)}

    def on_dead_letter(self, value: bytes | None) -> None:
        body = _json(value)
        if not isinstance(body, dict):
            return
        text, reason = json.dumps(body.get("value")), str(body.get("reason", "?"))
        if body.get("source") == "commands" and self.command_id in text:
            self.refused = reason
        for snapshot in re.findall(r"resync:[^\s\"\\,]+", text):
            self.dead[snapshot] = reason

    # --- where it stands ------------------------------------------------------------

    def ours(self) -> dict[Snapshot, tuple[Position, int]]:
        run = self.run
        if run is None:
            return {}
        return {key: at for key, at in self.snapshots.items() if key[1].startswith(run)}

    @property
    def taken(self) -> bool:
        """The worker committed the command: every snapshot of the run is on Kafka."""
        if self.command is None:
            return False
        position, offset = self.command
        return self.committed.get(position, 0) > offset

    def handled(self) -> int:
        return sum(1 for pos, off in self.ours().values() if self.committed.get(pos, 0) > off)

    def all_handled(self) -> bool:
        return self.taken and self.fed_complete and self.handled() == len(self.ours())

    def settled(self) -> bool:
        target = self.drain_target
        if target is None or not self.all_handled():
            return False
        return all(self.committed.get(position, 0) >= end for position, end in target.items())

    def summary(self, now: float) -> str:
        ours = self.ours()
        sites = {1: 0, 2: 0}
        for (topic, _), _ in ours.values():
            sites[2 if topic.endswith(".jira2.events") else 1] += 1
        run = [key for key in self.recorded if self.run and key[1].startswith(self.run)]
        dead = [key for key in self.dead if self.run and key.startswith(self.run)]
        return (
            f"{len(ours)} issue(s) read (site 1: {sites[1]}, site 2: {sites[2]}), "
            f"{self.handled()} handled, {len(run)} recorded in pair states, "
            f"{len(dead)} dead-lettered, in {now - self.started:.1f} s"
        )


def bar(progress: Progress, width: int = 30) -> str:
    """One line: the bar (handled of fed) and the phase in words."""
    fed, handled = len(progress.ours()), progress.handled()
    filled = width if fed == 0 and progress.all_handled() else (width * handled // max(fed, 1))
    drawn = "#" * filled + "-" * (width - filled)
    return f"[{drawn}] {handled}/{fed} snapshots handled; {phase(progress)}"


def phase(progress: Progress) -> str:
    if progress.refused is not None:
        return f"the worker refused the command: {progress.refused}"
    if not progress.sent:
        return "sending the command"
    if not progress.taken:
        if not progress.ours():
            return "waiting for a worker to take the command (is `jira-sync worker` running?)"
        return "the worker is reading the issues"
    if not progress.all_handled():
        return "all issues read; the worker is routing the snapshots"
    if not progress.settled():
        return "applying the merges and writes they asked for"
    return "done"


def _json(value: bytes | None) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None
