"""The connections a worker serves (``streams.connections``), each as it runs: its complete
``SyncConfig``, the applier over the shared clients with that config, and its JQL gate.

Which connection a change belongs to: a pair's own (``PairState.connection``); a pair made
before connections, by the projects its issues are in; an issue without a pair, by its
project on its site. An issue in no connection's project is not synced."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from streams.connections import project_of
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.fields import FieldMaps
from streams.sync.jql_gate import JqlGate
from streams.sync.messages import LinkExisting, PairMessage, SiteNumber, SyncConfig


@dataclass(frozen=True)
class Serving:
    """One connection as the worker runs it."""

    config: SyncConfig
    applier: Applier
    gate: JqlGate | None = None

    @property
    def name(self) -> str:
        return self.config.connection


class Served:
    def __init__(self, connections: Sequence[Serving]) -> None:
        if not connections:
            raise ValueError("a worker serves at least one connection")
        self.first = connections[0]
        self.by_name = {c.name: c for c in connections}
        self._projects = {
            (site, key): c for c in connections for site, key in c.config.project_keys.items()
        }

    @classmethod
    def one(cls, applier: Applier, gate: JqlGate | None = None) -> Served:
        """Just ``applier``'s connection."""
        return cls([Serving(applier.config, applier, gate)])

    def __iter__(self) -> Iterator[Serving]:
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def of_issue(self, site: int, issue_key: str) -> Serving | None:
        """The connection whose project on ``site`` the issue is in (None: no connection's)."""
        return self._projects.get((site, project_of(issue_key)))

    def of_pair(self, pair: PairState) -> Serving:
        """The pair's own connection; for a pair that names none (or one no longer
        served), the one both its issues' projects are in, else either's, else the first."""
        named = self.by_name.get(pair.connection)
        if named is not None:
            return named
        sides = [(ref.site, ref.key) for ref in (pair.site1, pair.site2) if ref and ref.key]
        found = [c for site, key in sides if (c := self.of_issue(site, key)) is not None]
        both = [c for c in found if found.count(c) == len(sides)]
        return (both or found or [self.first])[0]

    def of_message(self, message: PairMessage, pair: PairState | None) -> Serving | None:
        """The connection a pair step runs in (None: the issue is in no connection)."""
        if pair is not None:
            return self.of_pair(pair)
        key = _issue_key(message)
        if key is None:
            return self.first
        site, issue_key = key
        return self.of_issue(site, issue_key) if len(self) > 1 else self.first

    def integration_account(self, site: SiteNumber) -> str | None:
        """The sync's own account on ``site`` (one per site, whatever the connection)."""
        return self.first.config.integration_accounts.get(site)

    def maps_of(self, site: int, issue_key: str | None) -> FieldMaps:
        """The field maps a site's webhook is read with (its issue's connection's)."""
        found = self.of_issue(site, issue_key) if issue_key else None
        return (found or self.first).config.maps


def _issue_key(message: PairMessage) -> tuple[int, str] | None:
    if isinstance(message, LinkExisting):  # two existing issues: "KEY1#KEY2"
        return 1, message.sync_id.partition("#")[0]
    site = getattr(message, "site", None)
    key = getattr(message, "issue_key", None)
    if isinstance(site, int) and isinstance(key, str) and key:
        return site, key
    return None
