"""Counterparts this worker made, by site and issue id, and their pair: the route agent of
the same worker takes an issue's pair from here when the issue's own ``issue_created``
reaches it before the route record the pair agent sent (both go through Kafka, and JIRA's
webhook often wins). Else it reads the issue's link marker, which names the same pair (the
counterpart was made with it). Kept in memory, the newest ``KEPT``: another worker, or
this one after a restart, reads the marker as before."""

from __future__ import annotations

from collections import OrderedDict

from streams.sites import SiteNumber

KEPT = 50_000


class MadeHere:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._pairs: OrderedDict[tuple[SiteNumber, str], str] = OrderedDict()

    def made(self, site: SiteNumber, issue_id: str, pair_id: str) -> None:
        self._pairs[(site, issue_id)] = pair_id
        self._pairs.move_to_end((site, issue_id))
        while len(self._pairs) > self._kept:
            self._pairs.popitem(last=False)

    def pair_of(self, site: SiteNumber, issue_id: str) -> str | None:
        return self._pairs.get((site, issue_id))
