"""Issue links between synced issues (pure): what a side's links are, what to make and
remove so both sides carry the same links, which stay out.

Each link is one pair's job, its subject's (the issue that reads "<outward phrase> X":
JIRA's ``inwardIssue``, listed on the subject with ``outwardIssue`` X): the pair of the
object leaves it alone, so two pairs never act on one link. A pair keeps, per side, the
outward links it last saw (``PairState.links``, ``"<type>|<other issue id>"``) and the
ones it made itself (``PairState.links_made``, ``"<site>|<type>|<other issue id>"``):

- a link on one side whose object is synced and whose image (type mapped by name,
  ``link_types`` in the mapping file; the object's counterpart) the other side lacks is
  made there; unless the sync made the link itself (its original was removed: the copy is
  removed too), or made its image there before (someone removed the copy: the link is
  removed too). A link removed on either side is removed on both;
- a link whose object is not synced stays out, listed on the pair (``link-unsynced``).

A change of a side's links is seen in its webhook's ``issuelinks``; the echo of a link the
sync made finds it already seen (the fold adds it), so it costs nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from streams.sites import SiteNumber

if TYPE_CHECKING:
    from streams.sync.fields import NameMap

ISSUELINKS = "issuelinks"  # the value a change carries: the side's outward links, sorted
UNSYNCED = "link-unsynced"


@dataclass(frozen=True)
class Outward:
    """A link of the pair's issue on one site: "<issue> <type's outward phrase> <other>"."""

    link_id: str
    type: str  # the site's type name
    other_id: str
    other_key: str

    @property
    def seen(self) -> str:
        return f"{self.type}|{self.other_id}"


def outward(raw: Any) -> list[Outward]:
    """The links ``fields.issuelinks`` lists with the issue as their subject."""
    found = []
    for item in raw if isinstance(raw, list) else []:
        target = item.get("outwardIssue") if isinstance(item, dict) else None
        kind = item.get("type") if isinstance(item, dict) else None
        if isinstance(target, dict) and isinstance(kind, dict) and target.get("id"):
            key = str(target.get("key") or "")
            found.append(
                Outward(str(item.get("id")), str(kind.get("name")), str(target["id"]), key)
            )
    return sorted(found, key=lambda link: link.seen)


def seen_of(raw: Any) -> list[str]:
    """``issuelinks`` as a change carries it (``ISSUELINKS``)."""
    return [link.seen for link in outward(raw)]


@dataclass(frozen=True)
class SyncLinks:
    """Look at both issues' links and make both sides carry the same (``plan``); keys and
    the links the pair made are filled in from the pair (``running.prepared``)."""

    keys: tuple[str, str] = ("", "")
    made: frozenset[str] = frozenset()

    @property
    def site(self) -> SiteNumber:
        return 1


@dataclass(frozen=True)
class MakeLink:
    """Link ``subject`` to ``object`` on ``site`` ("subject <outward> object")."""

    site: SiteNumber
    type: str
    subject_key: str
    object_key: str
    made: str  # how ``PairState.links_made`` records it


@dataclass(frozen=True)
class RemoveLink:
    """Remove the link ``link_id`` the sync made on ``site`` (its original is gone)."""

    site: SiteNumber
    link_id: str
    seen: str  # the removed link as ``PairState.links`` holds it
    made: str  # the record it settles
    described: str


@dataclass(frozen=True)
class LinksRead:
    """Both sides' outward links and each object's counterpart (id, key) on the other
    site (None: not synced)."""

    links: dict[int, list[Outward]]
    counterparts: dict[str, tuple[str, str] | None]  # "<site>|<other id>" -> on the other


def plan(
    read: LinksRead, keys: dict[int, str], made: frozenset[str], types: NameMap
) -> tuple[list[MakeLink | RemoveLink], list[str]]:
    """The links to make and remove, and the links that stay out (described)."""
    wanted: list[MakeLink | RemoveLink] = []
    unsynced: list[str] = []
    there = {site: {link.seen for link in read.links.get(site, [])} for site in (1, 2)}
    for site in (1, 2):
        target: SiteNumber = 2 if site == 1 else 1
        for link in read.links.get(site, []):
            own = f"{site}|{link.seen}"
            found = read.counterparts.get(f"{site}|{link.other_id}")
            if found is None:
                if own not in made:
                    unsynced.append(f"{keys[site]} {link.type} {link.other_key} (not synced)")
                continue
            kind = types.to_site(target, types.to_canonical(site, link.type)) or link.type
            image = f"{kind}|{found[0]}"
            copy = f"{target}|{image}"
            if image in there[target]:
                continue
            described = f"{keys[site]} {link.type} {link.other_key}"
            if own in made:  # a copy whose original was removed: removed too
                wanted.append(RemoveLink(site, link.link_id, link.seen, own, described))
            elif copy in made:  # its copy was removed on the other side: so is the link
                wanted.append(RemoveLink(site, link.link_id, link.seen, copy, described))
            else:
                wanted.append(MakeLink(target, kind, keys[target], found[1], copy))
    return wanted, unsynced


def copies_gone(links: dict[int, list[Outward]], made: frozenset[str]) -> frozenset[str]:
    """The recorded copies no longer on their site (removed by someone): forgotten."""
    present = {f"{site}|{link.seen}" for site, side in links.items() for link in side}
    return frozenset(made - present)


LinkAction = SyncLinks | MakeLink | RemoveLink
