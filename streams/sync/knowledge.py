"""What the worker learns while it runs, in one explicit store: the users it matched across
the sites (by a visible email address, ``streams.sync.catalog``), the media ids of the
files the pairs copied (``FileMap``) and each site's workflow graph (the transitions JIRA
listed, ``streams.sync.transitions``).

Made once by the composition root (``streams.sync.prepare``) and passed in: to the field
maps (``UserMap.learned``, so canonical values and renderings use what was learned) and to
the applier (``Applier.graphs``). The configuration around it stays frozen; this store is
the one thing that grows, and only by adding what JIRA answered."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from streams.sites import SiteNumber
from streams.sync.transitions import WorkflowGraph

SITE2_USER = "site2:"  # a canonical assignee with no known site 1 account


class LearnedUsers:
    """Site 1 account id -> site 2 account id, for people the mapping file does not name."""

    def __init__(self, one_to_two: Mapping[str, str] | None = None) -> None:
        self._one_to_two: dict[str, str] = dict(one_to_two or {})

    def learn(self, one: str, two: str) -> None:
        """The first match found for a site 1 account stays (as the mapping file's do)."""
        self._one_to_two.setdefault(one, two)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._one_to_two.items()))

    def __len__(self) -> int:
        return len(self._one_to_two)


class FileMap:
    """Files and their copies in both sites' media ids: site 1 media id -> site 2 media id,
    one entry per attachment and its copy (whichever side added it). Media ids are unique
    across a site, so one store serves every pair: the worker's, which learns each pair's
    files from the pair before its step (``PairState.attachment_media``,
    ``streams.sync.rerender``); it only grows."""

    def __init__(self, one_to_two: Mapping[str, str] | None = None) -> None:
        self._one_to_two: dict[str, str] = {}
        self._two_to_one: dict[str, str] = {}
        for one, two in (one_to_two or {}).items():
            self.learn(one, two)

    def learn(self, one: str, two: str) -> None:
        self._one_to_two[one] = two
        self._two_to_one[two] = one

    def two_of(self, one: str) -> str | None:
        return self._one_to_two.get(one)

    def one_of(self, two: str) -> str | None:
        return self._two_to_one.get(two)

    def __len__(self) -> int:
        return len(self._one_to_two)


NO_FILES = FileMap()  # never learns: only read


@dataclass(frozen=True)
class UserMap:
    """Site 1 account id -> site 2 account id: the mapping file's users (``mapped``, fixed),
    then the pairs found since by matching visible email addresses (``learned``, the
    worker's store of them, ``streams.sync.knowledge``). Nothing here changes; the store
    only grows."""

    mapped: Mapping[str, str] = field(default_factory=dict)
    learned: LearnedUsers = field(default_factory=LearnedUsers, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mapped", MappingProxyType(dict(self.mapped)))

    @property
    def one_to_two(self) -> Mapping[str, str]:
        """Every pair known now: the mapping file's, then the learned ones."""
        learned = {one: two for one, two in self.learned.items() if one not in self.mapped}
        return MappingProxyType(dict(self.mapped) | learned)

    def to_canonical(self, site: SiteNumber, account_id: str | None) -> str | None:
        if account_id is None or site == 1:
            return account_id
        for one, two in self.one_to_two.items():
            if two == account_id:
                return one
        return SITE2_USER + account_id

    def to_site(self, site: SiteNumber, canonical: str | None) -> str | None:
        """The account id on ``site``, or None when that person has none known there."""
        if canonical is None:
            return None
        pairs = self.one_to_two
        if canonical.startswith(SITE2_USER):
            account = canonical.removeprefix(SITE2_USER)
            if site == 2:
                return account
            return next((one for one, two in pairs.items() if two == account), None)
        return canonical if site == 1 else pairs.get(canonical)


def _graphs() -> dict[int, WorkflowGraph]:
    return {1: WorkflowGraph(), 2: WorkflowGraph()}


@dataclass
class Knowledge:
    users: LearnedUsers = field(default_factory=LearnedUsers)
    files: FileMap = field(default_factory=lambda: FileMap())
    graphs: dict[int, WorkflowGraph] = field(default_factory=_graphs)
