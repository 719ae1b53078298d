"""The pair's attachment facts (``streams.sync.events``): the original ``source``
(``"1:10001"``: the side that added the file, and its id there) has its copy, or its copy
is gone. The pair's ``attachment_map`` reads original -> copy, like its comment map; a copy
``"2:"`` (no id) is a file left out for good (the target site refused it as too large).
``attachment_media`` holds the media ids of an original and its copy, both sides'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.state import PairState
from streams.sync.events import PairEvent, event, needs_pair


def _mapped(pair: PairState, at: datetime, mapping: dict[str, str], copied: int) -> PairState:
    counters = dict(pair.counters)
    if copied:
        counters["attachments"] = counters.get("attachments", 0) + copied
    update = {"attachment_map": mapping, "counters": counters}
    return pair.model_copy(update={**update, "version": pair.version + 1, "updated_at": at})


@event
@dataclass(frozen=True)
class AttachmentCopied(PairEvent):
    """``copy`` (``"2:10007"``) holds the bytes of ``source``: streamed there (``sha256``
    of what was sent, ``size`` bytes), or found there already (same name, size and sha256:
    the copy of a step that died before recording it, or the same file added on both
    sides; an older journal's twin, taken by name and size alone, has no ``sha256``). A
    copy with a ``sha256`` counts in the pair's ``attachments`` counter."""

    source: str
    copy: str
    sha256: str | None = None
    size: int | None = None

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        made = 1 if self.sha256 is not None else 0
        return _mapped(state, at, {**state.attachment_map, self.source: self.copy}, made)


@event
@dataclass(frozen=True)
class AttachmentUnmapped(PairEvent):
    """The original ``source`` and its copy are both gone (the copy deleted with it)."""

    source: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        kept = {k: v for k, v in state.attachment_map.items() if k != self.source}
        media = {k: v for k, v in state.attachment_media.items() if k != self.source}
        return _mapped(state.model_copy(update={"attachment_media": media}), at, kept, 0)


@event
@dataclass(frozen=True)
class AttachmentMedia(PairEvent):
    """The original ``source`` and its copy are the files ``one`` (site 1's media id) and
    ``two`` (site 2's): rich text naming either is pointed at the other on the other side."""

    source: str
    one: str
    two: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        state = needs_pair(pair, self)
        media = {**state.attachment_media, self.source: [self.one, self.two]}
        update = {"attachment_media": media, "version": state.version + 1, "updated_at": at}
        return state.model_copy(update=update)
