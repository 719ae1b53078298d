"""The search index: versions of each issue over time, so search can lag behind writes.

JIRA's search is eventually consistent: a search shortly after a write may not see it
(or may still see the issue as it was). ``visible(cutoff_ms)`` answers as of a moment.
"""

from __future__ import annotations

from sandbox.model import Issue, Snapshot

KEEP_VERSIONS = 50


class SearchIndex:
    def __init__(self) -> None:
        self._versions: dict[str, list[tuple[int, Snapshot | None]]] = {}

    def record(self, issue: Issue, at_ms: int) -> None:
        self._add(issue.id, at_ms, issue.snapshot())

    def remove(self, issue_id: str, at_ms: int) -> None:
        self._add(issue_id, at_ms, None)

    def _add(self, issue_id: str, at_ms: int, snapshot: Snapshot | None) -> None:
        versions = self._versions.setdefault(issue_id, [])
        versions.append((at_ms, snapshot))
        del versions[:-KEEP_VERSIONS]

    def visible(self, cutoff_ms: int) -> list[Snapshot]:
        """Every issue as the index knew it at ``cutoff_ms`` (deleted ones left out)."""
        found = (self._at(versions, cutoff_ms) for versions in self._versions.values())
        return [snapshot for snapshot in found if snapshot is not None]

    def version(self, issue_id: str, cutoff_ms: int) -> Snapshot | None:
        """The issue as the index knew it at ``cutoff_ms`` (None: not yet, or deleted)."""
        return self._at(self._versions.get(issue_id, []), cutoff_ms)

    @staticmethod
    def _at(versions: list[tuple[int, Snapshot | None]], cutoff_ms: int) -> Snapshot | None:
        seen = [snapshot for at_ms, snapshot in versions if at_ms <= cutoff_ms]
        return seen[-1] if seen else None
