"""The changelog read in place of an echo that never came (pure; ``echo_actions``).

A write of the sync's is checked by its echo (``overwrites``). A pair whose writes are
still unchecked when the periodic sweep comes, a sweep interval after its last step
(``overdue``), reads each such issue's changelog once (``ReadEchoes``): the newest change
the sync's account made of each field it wrote says, in its ``from``, what that field held
just before (``from_history``). It is judged as the echo would have been (``checked``):
an overwritten value is put back or warned about by the conflict policy, and every belief
of that side is cleared, found or not (nothing is read twice)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from streams.jira.models import ChangelogEntry
from streams.jira.webhooks import Changelog
from streams.sites import SiteNumber
from streams.state import PairState
from streams.sync.echo_actions import ReadEchoes
from streams.sync.fields import FieldMaps
from streams.sync.messages import Action, SyncConfig
from streams.sync.overwrites import changelog_values, checked_against, restoring
from streams.sync.running import EchoesRead, Followed


def overdue(pair: PairState, now: datetime, window: timedelta) -> bool:
    """Writes still unchecked ``window`` after the pair's last step."""
    return bool(pair.believed) and now - pair.updated_at >= window


def reads_for(pair: PairState) -> list[Action]:
    """One changelog read per side with unchecked writes."""
    reads: list[Action] = []
    for site in (1, 2):
        side, ref = pair.believed.get(str(site)), pair.side(site)
        if side and ref is not None:
            reads.append(ReadEchoes(ref.site, ref.key, dict(side)))
    return reads


def from_history(
    site: SiteNumber, entries: Iterable[ChangelogEntry], ours: str | None, maps: FieldMaps
) -> dict[str, list[Any]]:
    """Field -> [from, to] of the newest change of it by ``ours`` (entries oldest first)."""
    seen: dict[str, list[Any]] = {}
    for entry in entries:
        author = entry.author or {}
        if ours is None or author.get("accountId", author.get("name")) != ours:
            continue
        changelog = Changelog.model_validate({"items": entry.items})
        seen |= changelog_values(site, changelog, maps)
    return seen


def checked(action: ReadEchoes, said: EchoesRead, config: SyncConfig) -> Followed:
    """The history judged as the echo would have been."""
    believed = {str(action.site): action.believed}
    found = checked_against(action.site, said.seen, believed, config, every=True)
    if found is None:
        return Followed()
    return Followed([found], restoring(found, action.issue_key))
