"""Synced fields in canonical form, independent of the site they come from.

Canonical values are plain JSON: summary ``str``; description normalised plain text (see
``streams.jira.adf``); priority and status names in site 1's vocabulary (site 2's names
are translated through the maps); labels a sorted list. Comparing canonical values is how
the merge and the echo suppression decide what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from streams.jira.adf import adf_to_text, normalize_text, text_to_adf

SiteNumber = Literal[1, 2]
CORE_FIELDS = ("summary", "description", "priority", "labels")
STATUS = "status"


@dataclass(frozen=True)
class NameMap:
    """Site 1 name -> site 2 name; names absent from the map are the same on both sides."""

    one_to_two: dict[str, str] = field(default_factory=dict)

    def to_canonical(self, site: SiteNumber, name: str | None) -> str | None:
        if name is None or site == 1:
            return name
        reverse = {two: one for one, two in self.one_to_two.items()}
        return reverse.get(name, name)

    def to_site(self, site: SiteNumber, name: str | None) -> str | None:
        if name is None or site == 1:
            return name
        return self.one_to_two.get(name, name)


@dataclass(frozen=True)
class FieldMaps:
    statuses: NameMap = field(default_factory=NameMap)
    priorities: NameMap = field(default_factory=NameMap)


def canonical(site: SiteNumber, fields: dict[str, Any], maps: FieldMaps) -> dict[str, Any]:
    """The synced fields present in ``fields`` (webhook or REST), in canonical form."""
    values: dict[str, Any] = {}
    if "summary" in fields:
        values["summary"] = fields.get("summary") or ""
    if "description" in fields:
        values["description"] = _text(fields.get("description"))
    if "priority" in fields:
        values["priority"] = maps.priorities.to_canonical(site, _name(fields.get("priority")))
    if "labels" in fields:
        values["labels"] = sorted(set(fields.get("labels") or []))
    if STATUS in fields:
        values[STATUS] = maps.statuses.to_canonical(site, _name(fields.get(STATUS)))
    return values


def render(site: SiteNumber, values: dict[str, Any], maps: FieldMaps) -> dict[str, Any]:
    """Canonical values as REST v3 ``fields`` for ``site`` (status excluded: transitions)."""
    rendered: dict[str, Any] = {}
    for name, value in values.items():
        if name == "description":
            rendered[name] = text_to_adf(value)
        elif name == "priority":
            target = maps.priorities.to_site(site, value)
            rendered[name] = {"name": target} if target else None
        elif name in ("summary", "labels"):
            rendered[name] = value
    return rendered


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        return normalize_text(adf_to_text(value))
    return normalize_text(value if isinstance(value, str) else None)


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("name")
        return str(name) if name is not None else None
    return str(value) if value is not None else None
