"""``jira-sync match``'s planner (pure): issues of both projects in, proposed pairs out.

A rule says which issues of project 2 an issue of project 1 may stand for (its
candidates):

- ``field:<name>``: the field (on either side) holds the other side's key;
- ``key-in-summary``: the summary (on either side) names the other side's key;
- ``summary-created``: same summary (whitespace collapsed, any case) and same created
  date (the caller gives ``created`` in UTC);
- ``summary``: same summary alone (what ``--rule jql`` pairs its two result sets by).

Candidates go both ways: an issue of project 2 has as candidates the issues of project 1
that have it as theirs. Every issue ends in exactly one of three places:

- a pair: it has exactly one candidate, and that candidate has exactly one (it);
- set apart as ambiguous: it has more than one candidate, or its one candidate has more
  than one; listed with its candidates, never paired;
- unmatched: no candidate at all.

The plan does not depend on the order the issues come in: everything is sorted by key
(project, then number)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

KEY = re.compile(r"\b[A-Z][A-Z0-9_]{0,9}-[1-9][0-9]{0,17}\b")
RULES = ("field:<name>", "key-in-summary", "summary-created", "summary")


@dataclass(frozen=True)
class Issue:
    """What the planner reads of one issue."""

    key: str
    summary: str = ""
    created: str = ""  # ISO time in UTC; the date (first 10 characters) is compared
    fields: dict[str, str] = field(default_factory=dict)  # the rule's field as text
    link: str | None = None  # the pair id its link marker names, if it carries one
    id: str = ""  # JIRA's issue id (a pair id is "<site>:<the origin's id>")


@dataclass(frozen=True)
class Pair:
    key1: str
    key2: str
    why: str  # the rule that proposed it
    linked: bool = False  # one issue's marker names the pair the other one started

    @property
    def sync_id(self) -> str:
        return f"{self.key1}#{self.key2}"


@dataclass(frozen=True)
class Ambiguous:
    site: int
    key: str
    candidates: tuple[str, ...]  # of the other site


@dataclass(frozen=True)
class Plan:
    pairs: tuple[Pair, ...]
    ambiguous: tuple[Ambiguous, ...]  # site 1's first, then site 2's
    unmatched: tuple[tuple[str, ...], tuple[str, ...]]  # keys of site 1, of site 2

    def counts(self) -> dict[str, int]:
        """Pairs, ambiguous and unmatched issues per site, by name."""
        sides = {f"ambiguous_{s}": sum(a.site == s for a in self.ambiguous) for s in (1, 2)}
        unmatched = {f"unmatched_{s}": len(self.unmatched[s - 1]) for s in (1, 2)}
        return {"pairs": len(self.pairs)} | sides | unmatched


Edges = dict[str, set[str]]


def natural(key: str) -> tuple[str, int, str]:
    """Sort order of issue keys: project, then number (PROJ-9 before PROJ-10)."""
    project, _, number = key.rpartition("-")
    return (project, int(number), "") if number.isdigit() else (key, 0, key)


def _keys_in(text: str, known: set[str]) -> set[str]:
    return {key for key in KEY.findall(text) if key in known}


def _by_reference(one: Sequence[Issue], two: Sequence[Issue], text: dict[str, str]) -> Edges:
    """Edges 1 -> 2 where either side's ``text`` names the other's key (``text`` is keyed
    by site, then issue key: the two projects may share a key)."""
    keys1, keys2 = {i.key for i in one}, {i.key for i in two}
    edges: Edges = defaultdict(set)
    for issue in one:
        edges[issue.key] |= _keys_in(text[f"1:{issue.key}"], keys2)
    for issue in two:
        for key in _keys_in(text[f"2:{issue.key}"], keys1):
            edges[key].add(issue.key)
    return edges


def _by_identity(one: Sequence[Issue], two: Sequence[Issue], dated: bool) -> Edges:
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for issue in two:
        index[_identity(issue, dated)].add(issue.key)
    return {issue.key: set(index.get(_identity(issue, dated), set())) for issue in one}


def _identity(issue: Issue, dated: bool) -> tuple[str, str]:
    return (" ".join(issue.summary.split()).casefold(), issue.created[:10] if dated else "")


def _texts(one: Sequence[Issue], two: Sequence[Issue], read: str | None) -> dict[str, str]:
    """Each issue's text a reference rule reads: its summary, or field ``read``."""

    def text(issue: Issue) -> str:
        return issue.summary if read is None else issue.fields.get(read, "")

    return {f"{site}:{i.key}": text(i) for site, side in ((1, one), (2, two)) for i in side}


def candidates(rule: str, one: Sequence[Issue], two: Sequence[Issue]) -> Edges:
    """For each issue of site 1, the issues of site 2 the rule says it may stand for."""
    if rule in ("summary-created", "summary"):
        return _by_identity(one, two, dated=rule == "summary-created")
    if rule == "key-in-summary":
        return _by_reference(one, two, _texts(one, two, None))
    if rule.startswith("field:") and rule.removeprefix("field:").strip():
        return _by_reference(one, two, _texts(one, two, rule.removeprefix("field:")))
    raise ValueError(f"unknown rule {rule!r}: one of {', '.join(RULES)}")


def _reverse(edges: Edges) -> Edges:
    back: Edges = defaultdict(set)
    for key1, keys2 in edges.items():
        for key2 in keys2:
            back[key2].add(key1)
    return back


def _paired(found: set[str], back: Edges) -> str | None:
    """The one candidate, when it has this issue as its one candidate back."""
    if len(found) != 1:
        return None
    (other,) = found
    return other if len(back.get(other, ())) == 1 else None


def _linked(one: Issue, two: Issue) -> bool:
    """Synced already: the counterpart's marker names its origin's pair (a pair made by the
    sync, or linked by ``--apply``: site 2's issue names site 1's)."""
    return bool((one.id and two.link == f"1:{one.id}") or (two.id and one.link == f"2:{two.id}"))


def plan(rule: str, one: Sequence[Issue], two: Sequence[Issue]) -> Plan:
    """The pairs ``rule`` proposes, the issues set apart as ambiguous, the unmatched."""
    edges, one, two = candidates(rule, one, two), _sorted(one), _sorted(two)
    back = _reverse(edges)
    by_key = {i.key: i for i in two}
    pairs = []
    for issue in one:
        other = _paired(edges.get(issue.key, set()), back)
        if other is not None:
            pairs.append(Pair(issue.key, other, rule, _linked(issue, by_key[other])))
    ambiguous = [*_apart(1, one, edges, back), *_apart(2, two, back, edges)]
    unmatched1 = tuple(i.key for i in one if not edges.get(i.key))
    unmatched2 = tuple(i.key for i in two if not back.get(i.key))
    return Plan(tuple(pairs), tuple(ambiguous), (unmatched1, unmatched2))


def _apart(site: int, side: Sequence[Issue], edges: Edges, back: Edges) -> list[Ambiguous]:
    """The issues of ``side`` with candidates but no pair, each with its candidates."""
    found = ((i.key, edges.get(i.key, set())) for i in side)
    return [
        Ambiguous(site, key, tuple(sorted(keys, key=natural)))
        for key, keys in found
        if keys and _paired(keys, back) is None
    ]


def _sorted(side: Sequence[Issue]) -> list[Issue]:
    """``side`` by key, each key once (the last one read wins)."""
    unique = {issue.key: issue for issue in side}
    return sorted(unique.values(), key=lambda issue: natural(issue.key))
