"""The pair's issue-link facts (``streams.sync.events``; what they mean: ``issue_links``):
the outward links each side was seen to hold, and the links the sync made or removed.
``PairState.links`` holds the first, ``PairState.links_made`` the links the sync made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.state import PairState, SiteNumber
from streams.sync.events import PairEvent, event, needs_pair


def _moved(pair: PairState, at: datetime, **update: object) -> PairState:
    return pair.model_copy(update={**update, "version": pair.version + 1, "updated_at": at})


@event
@dataclass(frozen=True)
class LinksSeen(PairEvent):
    """Both sides' outward links as read (``"1"``/``"2"`` -> ``"<type>|<other id>"``);
    ``forgotten``: recorded copies no longer there (removed with their original)."""

    links: dict[str, list[str]]
    forgotten: list[str]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        made = [m for m in pair.links_made if m not in self.forgotten]
        return _moved(pair, at, links=self.links, links_made=made)


@event
@dataclass(frozen=True)
class LinkMade(PairEvent):
    """The sync linked the pair's issue on ``site`` (``seen``: ``"<type>|<other id>"``)."""

    site: SiteNumber
    seen: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        side = str(self.site)
        links = {**pair.links, side: sorted({*pair.links.get(side, []), self.seen})}
        made = sorted({*pair.links_made, f"{side}|{self.seen}"})
        return _moved(pair, at, links=links, links_made=made)


@event
@dataclass(frozen=True)
class LinkRemoved(PairEvent):
    """The sync removed a link of the pair's issue on ``site``; ``made``: the record it
    settles (the copy, or the copy whose removal this follows)."""

    site: SiteNumber
    seen: str
    made: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        side = str(self.site)
        links = {**pair.links, side: [s for s in pair.links.get(side, []) if s != self.seen]}
        made = [m for m in pair.links_made if m != self.made]
        return _moved(pair, at, links=links, links_made=made)
