"""Rich text written again once a site can take all of it (pure).

A document written to a site that lacked one of its files (not copied yet) or one of its
people holds a stand-in there (``[screenshot.png]``, ``@Name``), and the pair remembers
what that site holds (``PairState.held``) so the difference is never taken for an edit.
When the site can take more of the document since (the file's copy made, its media ids
known: ``PairState.attachment_media``), the held value is stale: the agreed document is
written to that site again, provided the site still holds what the sync wrote there (a
person's edit of it since is merged as any edit is).

Comments too: a comment copied before its file names the file as text, and the pair keeps
which files (``PairState.comment_files``); once one of them is there, the copy is written
again from its original (``comments_due``).

The step that learns a file's media ids looks at the pair again at once when it has such
a stale value (``streams.sync.engine``), so a description or comment with an image is whole
on both sides after the step that copied the image."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.sites import SiteNumber
from streams.state import PairState
from streams.sync import documents
from streams.sync.comment_actions import CopyComment
from streams.sync.fields import FieldMaps
from streams.sync.merge import MergeResult
from streams.sync.rich_text import rich_fields

REASON = "files copied"  # the look the engine takes at once (``streams.sync.engine``)


def learn(pair: PairState | None, maps: FieldMaps) -> Learned:
    """The worker's file store knows the pair's files (idempotent)."""
    if pair is not None:
        for one, two in pair.attachment_media.values():
            if maps.files.two_of(one) != two:
                maps.files.learn(one, two)
    return Learned(pair, maps)


@dataclass(frozen=True)
class Learned:
    """A pair whose files the maps know."""

    pair: PairState | None
    maps: FieldMaps


def stale(pair: PairState, maps: FieldMaps) -> dict[int, list[str]]:
    """Per site, the rich text fields it holds a stand-in for that it could take now."""
    found: dict[int, list[str]] = {}
    for site in (1, 2):
        held = pair.held.get(str(site), {})
        for name in [name for name in rich_fields(maps) if name in held]:
            value = pair.base.get(name)
            if isinstance(value, dict) and _held_now(site, value, maps) != held[name]:
                found.setdefault(site, []).append(name)
    return found


def due(learned: Learned) -> bool:
    """The pair holds a stand-in on a site that could take the document now."""
    pair = learned.pair
    if pair is None:
        return False
    return bool(comments_due(pair, learned.maps)) or (
        bool(pair.held) and bool(stale(pair, learned.maps))
    )


def comments_due(pair: PairState, maps: FieldMaps) -> list[CopyComment]:
    """The comment copies to write again: one of the files they name as text is there now
    (each ``CopyComment`` reads its original and updates the copy)."""
    again: list[CopyComment] = []
    for source, lacking in pair.comment_files.items():
        site, _, comment_id = source.partition(":")
        origin, target = (pair.site1, pair.site2) if site == "1" else (pair.site2, pair.site1)
        if origin is None or target is None or source not in pair.comment_map:
            continue
        if source in pair.pending_comments:  # copied again anyway (``merging``)
            continue
        if any(documents.own_file(target.site, one, maps.files) for one in lacking):
            again.append(CopyComment(origin.site, origin.key, comment_id, target.site, target.key))
    return again


def rewrites(
    pair: PairState, values: Mapping[int, Mapping[str, Any]], maps: FieldMaps
) -> dict[int, dict[str, Any]]:
    """The agreed documents to write again: a stale held value that the site, as just
    read (``values``), still holds."""
    writes: dict[int, dict[str, Any]] = {}
    for site, names in stale(pair, maps).items():
        held = pair.held[str(site)]
        for name in names:
            if name in values.get(site, {}) and values[site][name] == held[name]:
                writes.setdefault(site, {})[name] = pair.base[name]
    return writes


def add_rewrites(
    result: MergeResult, pair: PairState, values: Mapping[int, Mapping[str, Any]], maps: FieldMaps
) -> None:
    """The merge's writes with the stale documents written again, where the merge does
    nothing else with the field (a conflict or a copy of an edit wins)."""
    busy = {*result.conflicts, *result.writes[1], *result.writes[2]}
    for site, fields in rewrites(pair, values, maps).items():
        for name, value in fields.items():
            if name not in busy:
                result.writes[site][name] = value


def _held_now(site: int, value: Any, maps: FieldMaps) -> Any:
    """What ``site`` would hold of the agreed ``value`` if it were written now (None: all
    of it)."""
    number: SiteNumber = 1 if site == 1 else 2
    written = documents.for_site(number, value, maps.users, maps.files)
    if not written.lost:
        return None
    return documents.canonical_document(number, written.document, maps.users, maps.files)
