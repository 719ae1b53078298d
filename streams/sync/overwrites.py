"""Lost updates, seen in the echo of the sync's own write (pure).

JIRA has no conditional write: a person's edit can land on the target between the sync's
read of it and its write, and the write then overwrites it unseen. Every write's echo (the
``jira:issue_updated`` of the sync's account) carries the changelog: for each field, the
value it held just before the write (``from``). The sync keeps, for each field it wrote,
the value it read there before (``PairState.believed``); an echo whose ``from`` differs
names the value overwritten, made by someone in between.

What happens to it follows the conflict policy, as for any change made on both sides:

- ``manual``, ``latest``, or the policy of the target's site: the overwritten value is put
  back on the target (a restore: the agreed value stays what it was before the write) and
  both sides are read and merged again at once (``engine``): under ``manual`` the field is
  then a conflict (base, the person's value, the other side's), under ``latest`` the
  person's later edit wins, under the target's site policy the target wins;
- the other site's policy: that side wins, so the write stands; the pair warns that the
  person's edit was overwritten.

Fields whose changelog values read back exactly: summary, priority, labels, due date,
assignee; the description, whose changelog holds wiki text, compared with the documents
(``documents.agrees``; an overwritten one is put back as the document its text can only
be, else as the wiki markup reads: the words are never lost, formatting the markup cannot
hold may be); and the status after a move of one transition (its ``from`` is the status the
move started in; a walk of several is not checked). A move whose learned transition JIRA
refuses, and which finds the issue neither where it was believed nor at the target, is not
walked on (``transitions.MovedSince``): the pair warns and merges both sides again. Not
caught: rich text whose changes its wiki text cannot show, components, versions and custom
fields. A write whose echo never arrives (JIRA may drop a webhook) is checked by the
changelog read the next sweep makes in its place (``echo_reads``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.jira.webhooks import Changelog
from streams.jira.wiki_parse import from_wiki
from streams.settings import ConflictPolicy
from streams.sites import SiteNumber
from streams.state import PairState
from streams.sync import documents
from streams.sync.events import PairEvent, event, needs_pair
from streams.sync.fields import ASSIGNEE, STATUS, FieldMaps, canonical
from streams.sync.messages import Action, IssueChanged, SyncConfig, TransitionTo, WriteFields
from streams.sync.outcomes import warned

WATCHED = ("summary", "priority", "labels", "duedate", ASSIGNEE, STATUS)
RICH = ("description",)  # its changelog holds wiki text: compared with the documents
CHECKED = (*WATCHED, *RICH)
CODE = "edit-overwritten"
REASON = "an edit overwritten"  # the engine's second look after a restore
MOVED = "status-moved-since"
WINS = {ConflictPolicy.JIRA1: 1, ConflictPolicy.JIRA2: 2}


def changelog_values(
    site: SiteNumber, changelog: Changelog | None, maps: FieldMaps
) -> dict[str, Any]:
    """Field -> [from, to] in canonical form, for the fields the changelog reads back."""
    found: dict[str, Any] = {}
    for item in changelog.items if changelog is not None else []:
        name = item.field_id
        if name not in CHECKED:
            continue
        was = canonical(site, {name: _raw(name, item.from_value, item.from_string)}, maps)
        now = canonical(site, {name: _raw(name, item.to_value, item.to_string)}, maps)
        found[name] = [was.get(name), now.get(name)]
    return found


def _raw(name: str, value: str | None, shown: str | None) -> Any:
    """A changelog value as the issue's field holds it."""
    if name == "summary":
        return shown or ""
    if name in RICH:
        return shown or None  # wiki text, normalised by ``canonical``
    if name in ("priority", STATUS):
        return {"name": shown} if shown else None
    if name == "labels":
        return (shown or "").split()
    if name == ASSIGNEE:
        return {"accountId": value} if value else None
    return value  # duedate: "2026-01-02"


def believed_after(
    pair: PairState, site: int, values: dict[str, Any], before: dict[str, Any] | None
) -> dict[str, dict[str, list[Any]]]:
    """``PairState.believed`` once ``values`` are written to ``site`` over ``before``."""
    if before is None:
        return pair.believed
    kept = {name: [before.get(name), values[name]] for name in CHECKED if name in values}
    side = {**pair.believed.get(str(site), {}), **kept}
    return {**pair.believed, str(site): side} if side else pair.believed


def overwritten(change: IssueChanged, pair: PairState, config: SyncConfig) -> EchoChecked | None:
    """The sync's echo checked against what it believed the side held before its write."""
    ours = config.integration_accounts.get(change.site)
    if ours is None or change.actor != ours:
        return None
    return checked_against(change.site, change.changelog, pair.believed, config)


def checked_against(
    site: SiteNumber,
    seen: dict[str, list[Any]],
    believed: dict[str, dict[str, list[Any]]],
    config: SyncConfig,
    every: bool = False,
) -> EchoChecked | None:
    """``seen`` (field -> [from, to], from the sync's own change of ``site``) against what
    the sync believed: the fields it shows written are checked; ``every``: all believed
    fields of the site are (the history read in place of an echo shows all there is)."""
    side, maps = believed.get(str(site), {}), config.maps
    unknowable = [
        name for name, kept in side.items() if name in RICH and not _plain(site, kept, config)
    ]
    known = {name: kept for name, kept in side.items() if name not in unknowable}
    written = [n for n, (_, wrote) in known.items() if _same(site, n, _to(seen, n), wrote, maps)]
    checked = list(side) if every else [*written, *unknowable]  # rich text not comparable
    if not checked:
        return None
    lost = {
        name: _value(site, name, seen[name][0], maps)
        for name in written
        if not _same(site, name, seen[name][0], side[name][0], maps)
    }
    restore = bool(lost) and WINS.get(config.policy, site) == site
    before = {name: side[name][0] for name in lost} if restore else {}
    return EchoChecked(site, tuple(sorted(checked)), lost, before)


def _plain(site: SiteNumber, kept: list[Any], config: SyncConfig) -> bool:
    """Rich text whose changelog wiki is exactly its words on a Cloud site (Data Center's
    markup is its own), before and after the write (``documents.checkable``)."""
    return site not in config.datacenter_sites and all(map(documents.checkable, kept))


def _same(site: SiteNumber, name: str, seen: Any, believed: Any, maps: FieldMaps) -> bool:
    """A changelog value is the one believed (rich text: its wiki shows the document)."""
    if name in RICH:
        return seen is not _NOTHING and documents.agrees(
            site, seen, believed, maps.users, maps.files
        )
    return bool(seen == believed)


def _value(site: SiteNumber, name: str, seen: Any, maps: FieldMaps) -> Any:
    """What a changelog says a field held, as the field's value: rich text is the document
    its wiki text can only be, else what JIRA's wiki markup reads as (a restore never loses
    the person's words; formatting the markup cannot hold may differ)."""
    if name not in RICH or not isinstance(seen, str):
        return seen
    document = documents.plain(seen) or from_wiki(seen)
    return documents.canonical_document(site, document, maps.users, maps.files)


def _to(changelog: dict[str, list[Any]], name: str) -> Any:
    return changelog[name][1] if name in changelog else _NOTHING


_NOTHING = object()


def restoring(checked: EchoChecked, key: str) -> list[Action]:
    """The overwritten values put back on their side (when the policy lets that side win)."""
    if not checked.before:
        return []
    values = {name: checked.lost[name] for name in checked.before if name != STATUS}
    restore: list[Action] = []
    if values:
        restore.append(WriteFields(checked.site, key, values, restore=True))
    if STATUS in checked.before and checked.lost[STATUS] is not None:
        moved = str(checked.lost[STATUS])
        restore.append(TransitionTo(checked.site, key, moved, restore=True))
    return restore


@event
@dataclass(frozen=True)
class EchoChecked(PairEvent):
    """The echo of a write to ``site`` seen: its ``fields`` checked, ``lost`` the values it
    overwrote (made by someone between the sync's read and its write); ``before``: the
    agreed values those fields go back to while the lost ones are restored."""

    site: SiteNumber
    fields: tuple[str, ...]
    lost: dict[str, Any]
    before: dict[str, Any]

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        pair = needs_pair(pair, self)
        side = pair.believed.get(str(self.site), {})
        side = {name: kept for name, kept in side.items() if name not in self.fields}
        believed = {**pair.believed, str(self.site): side}
        update = {
            "believed": {key: value for key, value in believed.items() if value},
            "base": {**pair.base, **self.before},
            "version": pair.version + 1,
            "updated_at": at,
        }
        pair = pair.model_copy(update=update)
        for name, value in self.lost.items():
            then = "put back, then merged" if name in self.before else "the other site wins"
            text = f"site {self.site}: {name} was set to {value!r} while the sync wrote it: {then}"
            pair = warned(pair, CODE, text, at, name)
        return pair


@event
@dataclass(frozen=True)
class StatusMovedSince(PairEvent):
    """A move not made: the issue on ``site`` was found in ``status`` (this site's name),
    neither where the sync believed it nor at the target; someone moved it meanwhile."""

    site: SiteNumber
    status: str

    def applied_to(self, pair: PairState | None, at: datetime) -> PairState | None:
        text = f"site {self.site}: moved to {self.status!r} while the sync moved it: merged again"
        return warned(needs_pair(pair, self), MOVED, text, at, STATUS)
