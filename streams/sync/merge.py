"""Field-level three-way merge of one pair against its base (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.settings import ConflictPolicy
from streams.sync.documents import unchanged
from streams.sync.messages import SiteNumber, other


@dataclass(frozen=True)
class Sides:
    """The current canonical values of both sides and their change markers."""

    values: Mapping[int, dict[str, Any]]
    updated: Mapping[int, datetime | None]
    origin: SiteNumber


@dataclass
class MergeResult:
    writes: dict[int, dict[str, Any]] = field(default_factory=lambda: {1: {}, 2: {}})
    settled: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, tuple[Any, Any, Any]] = field(default_factory=dict)  # base, v1, v2


def merge(
    fields: tuple[str, ...],
    base: dict[str, Any],
    sides: Sides,
    policy: ConflictPolicy,
    held: Mapping[int, dict[str, Any]] | None = None,
) -> MergeResult:
    """``held``: per side, values that side holds instead of the base after an inexact copy
    (see ``PairState.held``); a side still holding it has not changed the field."""
    result = MergeResult()
    bases = {site: {**base, **(held or {}).get(site, {})} for site in (1, 2)}
    for name in fields:
        if name in sides.values[1] and name in sides.values[2]:
            _merge_field(name, bases, sides, policy, result)
    return result


def _merge_field(
    name: str,
    bases: Mapping[int, dict[str, Any]],
    sides: Sides,
    policy: ConflictPolicy,
    result: MergeResult,
) -> None:
    one, two = sides.values[1][name], sides.values[2][name]
    if one == two:
        result.settled[name] = one
        return
    if name not in bases[1]:  # never agreed yet: the origin's value is the starting point
        _copy_from(sides.origin, name, sides, result)
        return
    sides_now = ((1, one), (2, two))
    changed = {site for site, value in sides_now if not unchanged(value, bases[site][name])}
    if not changed:  # the difference is what one side cannot hold: nothing to do
        return
    if changed == {1} or changed == {2}:
        _copy_from(1 if changed == {1} else 2, name, sides, result)
        return
    winner = _winner(policy, sides)
    if winner is None:
        result.conflicts[name] = (bases[1][name], one, two)
    else:
        _copy_from(winner, name, sides, result)


def _copy_from(source: SiteNumber, name: str, sides: Sides, result: MergeResult) -> None:
    result.writes[other(source)][name] = sides.values[source][name]


def _winner(policy: ConflictPolicy, sides: Sides) -> SiteNumber | None:
    if policy is ConflictPolicy.JIRA1:
        return 1
    if policy is ConflictPolicy.JIRA2:
        return 2
    if policy is ConflictPolicy.LATEST:
        one, two = sides.updated[1], sides.updated[2]
        if one is not None and two is not None and one != two:
            return 1 if one > two else 2
    return None
