"""The pair's parent fact (``streams.sync.events``): the parent each side was seen under
(``PairState.parents``: ``"1"``/``"2"`` -> the parent's id on that site, "" none), so a
change showing another one is a move to follow (``streams.sync.parent_wiring``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.state import PairState
from streams.sync.events import PairEvent, event, needs_pair


@event
@dataclass(frozen=True)
class ParentsSeen(PairEvent):
    parents: dict[str, str]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        parents = {**pair.parents, **self.parents}
        return pair.model_copy(
            update={"parents": parents, "version": pair.version + 1, "updated_at": at}
        )
