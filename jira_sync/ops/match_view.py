"""How ``jira-sync match --dry-run`` shows a plan (pure): a table, or CSV.

CSV has one row per issue placement, columns ``kind,key1,key2,candidates,rule,linked``:

- ``pair``: both keys; ``linked`` is ``yes`` when both already carry the pair's marker;
- ``ambiguous``: the set-apart issue's key in its site's column, its candidates (keys
  of the other site) space-separated;
- ``unmatched``: the issue's key in its site's column."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterator

from jira_sync.ops.match_plan import Plan

COLUMNS = ("kind", "key1", "key2", "candidates", "rule", "linked")


def summary_line(plan: Plan) -> str:
    """The counts: pairs, ambiguous and unmatched issues per site."""
    n = plan.counts()
    linked = sum(p.linked for p in plan.pairs)
    return (
        f"{n['pairs']} pairs ({linked} already linked); "
        f"ambiguous: {n['ambiguous_1']} of site 1, {n['ambiguous_2']} of site 2; "
        f"unmatched: {n['unmatched_1']} of site 1, {n['unmatched_2']} of site 2"
    )


def table(plan: Plan, projects: tuple[str, str], rule: str) -> str:
    """Pairs, then the ambiguous issues set apart with their candidates, then the
    unmatched keys, then the counts."""
    return "\n".join([*_pairs(plan, projects, rule), *_apart(plan), *_unmatched(plan)])


def _pairs(plan: Plan, projects: tuple[str, str], rule: str) -> list[str]:
    width = max([len(projects[0]), *(len(p.key1) for p in plan.pairs)])
    lines = [f"Proposed pairs ({len(plan.pairs)}, rule {rule}):"]
    lines.append(f"  {projects[0]:<{width}}  {projects[1]}")
    for pair in plan.pairs:
        lines.append(f"  {pair.key1:<{width}}  {pair.key2}{'  (already linked)' * pair.linked}")
    return lines


def _apart(plan: Plan) -> list[str]:
    lines = ["", f"Ambiguous, set apart, not paired ({len(plan.ambiguous)}):"]
    for item in plan.ambiguous:
        lines.append(f"  site {item.site} {item.key}: candidates {', '.join(item.candidates)}")
    return lines if plan.ambiguous else [*lines, "  none"]


def _unmatched(plan: Plan) -> list[str]:
    lines = ["", "Unmatched (no candidate):"]
    for site, keys in zip((1, 2), plan.unmatched, strict=True):
        listed = textwrap.wrap(", ".join(keys), 96) or ["none"]
        lines.append(f"  site {site} ({len(keys)}): {listed[0]}")
        lines += [f"    {line}" for line in listed[1:]]
    return [*lines, "", summary_line(plan)]


def csv_text(plan: Plan, rule: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(plan, rule))
    return out.getvalue()


def _rows(plan: Plan, rule: str) -> Iterator[tuple[str, ...]]:
    for pair in plan.pairs:
        yield ("pair", pair.key1, pair.key2, "", rule, "yes" if pair.linked else "no")
    for item in plan.ambiguous:
        yield ("ambiguous", *_placed(item.site, item.key), " ".join(item.candidates), rule, "")
    for site, keys in zip((1, 2), plan.unmatched, strict=True):
        for key in keys:
            yield ("unmatched", *_placed(site, key), "", rule, "")


def _placed(site: int, key: str) -> tuple[str, str]:
    return (key, "") if site == 1 else ("", key)
