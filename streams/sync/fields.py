"""Synced fields in canonical form, independent of the site they come from.

Canonical values are plain JSON in site 1's vocabulary (site 2's names go through the
maps of the mapping file):

- ``summary`` ``str``; ``description`` a canonical ADF document read through REST
  (``streams.sync.documents``), or, from a webhook, the wiki text JIRA sent (normalised,
  ``streams.jira.adf.normalize_text``), which is only ever compared, never written;
- ``priority``, ``status``, ``resolution`` names (resolution None: unresolved);
  ``labels``, ``components``, ``fixVersions`` sorted lists of names; ``duedate``
  ``"YYYY-MM-DD"`` or None;
- ``assignee``: a site 1 account id, or ``"site2:<account id>"`` for a site 2 user with no
  known site 1 account (``UserMap``);
- ``parent`` and ``reporter``: carried at the create only, never merged (``at_create``);
- custom fields under ``"cf:<site 1 name>"``: text, number (float), date, select (option
  value), multiselect and labels (sorted lists).

Comparing canonical values is how the merge and the echo suppression decide what changed.
Rendering goes the other way and can be lossy (a component the target project lacks, a
user with no account there): ``Rendered.held`` says what the target will hold instead, so
the pair remembers it and never mistakes it for a change (``PairState.held``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.jira.adf import normalize_text, text_to_adf
from streams.sites import SiteNumber as SiteNumber
from streams.sync import at_create, documents
from streams.sync.knowledge import SITE2_USER as SITE2_USER
from streams.sync.knowledge import FileMap
from streams.sync.knowledge import UserMap as UserMap

CORE_FIELDS = ("summary", "description", "priority", "labels")
DEFAULT_FIELDS = (*CORE_FIELDS, "components", "fixVersions", "duedate")
STATUS = "status"
RESOLUTION = "resolution"  # set through transition screens; synced with the status
ASSIGNEE = "assignee"
SECURITY = "security"
NAMED_LISTS = {"components": "components", "fixVersions": "versions"}  # field -> catalogue


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
class CustomField:
    """A custom field of the mapping file, resolved to each site's ``customfield_N`` id."""

    name: str  # site 1 name
    type: str  # text | number | date | select | multiselect | labels
    ids: Mapping[int, str]
    options: NameMap = field(default_factory=NameMap)

    @property
    def key(self) -> str:
        return f"cf:{self.name}"


@dataclass(frozen=True)
class FieldMaps:
    statuses: NameMap = field(default_factory=NameMap)
    priorities: NameMap = field(default_factory=NameMap)
    issue_types: NameMap = field(default_factory=NameMap)
    components: NameMap = field(default_factory=NameMap)
    versions: NameMap = field(default_factory=NameMap)
    users: UserMap = field(default_factory=UserMap)
    files: FileMap = field(default_factory=FileMap, compare=False, repr=False)
    custom: tuple[CustomField, ...] = ()
    security_levels: NameMap = field(default_factory=NameMap)  # see streams.sync.visibility
    resolutions: NameMap = field(default_factory=NameMap)
    link_types: NameMap = field(default_factory=NameMap)  # issue link types, by name
    # site -> field name or id -> value for a transition screen's required field
    transition_defaults: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def named(self, name: str) -> NameMap:
        return self.components if name == "components" else self.versions


def canonical(site: SiteNumber, fields: dict[str, Any], maps: FieldMaps) -> dict[str, Any]:
    """The synced fields present in ``fields`` (webhook or REST), in canonical form."""
    values: dict[str, Any] = {}
    if "summary" in fields:
        values["summary"] = fields.get("summary") or ""
    if "description" in fields:
        values["description"] = _rich(site, fields.get("description"), maps)
    if "priority" in fields:
        values["priority"] = maps.priorities.to_canonical(site, _name(fields.get("priority")))
    if "labels" in fields:
        values["labels"] = sorted(set(fields.get("labels") or []))
    for name in NAMED_LISTS:
        if name in fields:
            names = (_name(item) for item in fields.get(name) or [])
            mapped = {maps.named(name).to_canonical(site, n) for n in names if n}
            values[name] = sorted(n for n in mapped if n)
    if "duedate" in fields:
        values["duedate"] = fields.get("duedate") or None
    if ASSIGNEE in fields:
        values[ASSIGNEE] = maps.users.to_canonical(site, _account(fields.get(ASSIGNEE)))
    if "issuetype" in fields:
        values["issuetype"] = maps.issue_types.to_canonical(site, _name(fields.get("issuetype")))
    if STATUS in fields:
        values[STATUS] = maps.statuses.to_canonical(site, _name(fields.get(STATUS)))
    if RESOLUTION in fields:
        values[RESOLUTION] = maps.resolutions.to_canonical(site, _name(fields.get(RESOLUTION)))
    for custom in maps.custom:
        field_id = custom.ids.get(site)
        if field_id is not None and field_id in fields:
            values[custom.key] = _custom_value(site, custom, fields.get(field_id), maps)
    if SECURITY in fields:
        values[SECURITY] = security_level(site, _name(fields.get(SECURITY)), maps.security_levels)
    return values | at_create.values(site, fields, maps.users)  # parent, reporter: never merged


def security_level(site: SiteNumber, name: str | None, levels: NameMap) -> str | None:
    """A security level in canonical form: the site 1 name of a mapped level, else the
    level as its site names it, marked with its site (``site1:``/``site2:``) when unmapped,
    so that an unmapped level never passes for a mapped one."""
    if name is None:
        return None
    if site == 1:
        return name if name in levels.one_to_two else f"site1:{name}"
    back = {two: one for one, two in levels.one_to_two.items()}
    return back.get(name, f"site2:{name}")


@dataclass
class Rendered:
    """Canonical values as REST v3 ``fields`` for one site, and what got lost on the way."""

    fields: dict[str, Any] = field(default_factory=dict)
    held: dict[str, Any] = field(default_factory=dict)  # canonical value the site will hold
    problems: dict[str, str] = field(default_factory=dict)  # field -> warning message


@dataclass(frozen=True)
class Priorities:
    """A site's priority names and its default one (``GET /rest/api/3/priority``)."""

    names: frozenset[str]
    default: str


def render(
    site: SiteNumber,
    values: dict[str, Any],
    maps: FieldMaps,
    available: Mapping[str, frozenset[str]] | None = None,
    priorities: Priorities | None = None,
) -> Rendered:
    """``values`` for ``site`` (status excluded: transitions). ``available`` holds the names
    of the site's components and versions; names missing there are left out and reported.
    A priority ``priorities`` lacks becomes the site's default, reported."""
    out = Rendered()
    customs = {custom.key: custom for custom in maps.custom}
    for name, value in values.items():
        if name == "description":
            out.fields[name] = _render_rich(site, name, value, maps, out)
        elif name == "priority":
            _render_priority(site, value, maps, priorities, out)
        elif name in ("summary", "labels", "duedate"):
            out.fields[name] = value
        elif name in NAMED_LISTS:
            _render_named(site, name, value or [], maps, available, out)
        elif name == ASSIGNEE:
            _render_assignee(site, value, maps, out)
        elif name == SECURITY:  # only mapped levels are written (streams.sync.visibility)
            if value is None or value in maps.security_levels.one_to_two:
                target = maps.security_levels.to_site(site, value)
                out.fields[name] = {"name": target} if target else None
        elif name == RESOLUTION:  # only where the edit screen has it (else JIRA says so)
            target = maps.resolutions.to_site(site, value)
            out.fields[name] = {"name": target} if target else None
        elif name in customs:
            custom = customs[name]
            if site in custom.ids:
                out.fields[custom.ids[site]] = _custom_rendered(site, custom, value, maps, out)
    return out


def issue_type_for(site: SiteNumber, canonical_type: str | None, maps: FieldMaps) -> str | None:
    return maps.issue_types.to_site(site, canonical_type)


def _render_named(
    site: SiteNumber,
    name: str,
    value: list[str],
    maps: FieldMaps,
    available: Mapping[str, frozenset[str]] | None,
    out: Rendered,
) -> None:
    names = {
        canonical_name: maps.named(name).to_site(site, canonical_name) for canonical_name in value
    }
    known = available.get(name) if available is not None else None
    if known is None:
        out.fields[name] = [{"name": n} for n in names.values()]
        return
    folded = {n.casefold() for n in known}
    kept = {c: n for c, n in names.items() if n and n.casefold() in folded}
    out.fields[name] = [{"name": n} for n in kept.values()]
    missing = sorted(c for c in names if c not in kept)
    if missing:
        what = "component" if name == "components" else "version"
        out.held[name] = sorted(kept)
        out.problems[name] = (
            f"{what}{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"not in the project on site {site}; left out there"
        )


def _render_priority(
    site: SiteNumber,
    value: str | None,
    maps: FieldMaps,
    priorities: Priorities | None,
    out: Rendered,
) -> None:
    """Through the ``priorities`` map; a name the site lacks becomes its default priority
    (JIRA refuses an unknown one with 400 and creates nothing)."""
    target = maps.priorities.to_site(site, value)
    if not target or priorities is None or _has(priorities.names, target):
        out.fields["priority"] = {"name": target} if target else None
        return
    out.fields["priority"] = {"name": priorities.default}
    out.held["priority"] = maps.priorities.to_canonical(site, priorities.default)
    named = value if target == value else f"{value} (mapped to {target})"
    out.problems["priority"] = (
        f"priority {named} is not on site {site} (map it in the mapping file's priorities); "
        f"set to the default {priorities.default} there"
    )


def _has(names: frozenset[str], name: str) -> bool:
    return name.casefold() in {n.casefold() for n in names}


def _render_assignee(site: SiteNumber, value: str | None, maps: FieldMaps, out: Rendered) -> None:
    if value is None:
        out.fields[ASSIGNEE] = None
        return
    account = maps.users.to_site(site, value)
    if account is None:
        out.fields[ASSIGNEE] = None
        out.held[ASSIGNEE] = None
        out.problems[ASSIGNEE] = (
            f"assignee {value} has no known account on site {site} (no user map entry and "
            "no visible matching email); left unassigned there"
        )
        return
    out.fields[ASSIGNEE] = {"accountId": account}


def _custom_value(site: SiteNumber, custom: CustomField, raw: Any, maps: FieldMaps) -> Any:
    kind = custom.type
    if kind == "number":
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if kind == "select":
        return custom.options.to_canonical(site, _option(raw))
    if kind == "multiselect":
        options = (custom.options.to_canonical(site, _option(item)) for item in raw or [])
        return sorted({option for option in options if option})
    if kind == "labels":
        return sorted(set(raw or []))
    if kind == "text" and isinstance(raw, dict):  # a paragraph (rich text) field
        return _rich(site, raw, maps)
    return raw or None  # text, date


def _custom_rendered(
    site: SiteNumber, custom: CustomField, value: Any, maps: FieldMaps, out: Rendered
) -> Any:
    kind = custom.type
    if kind == "select":
        option = custom.options.to_site(site, value)
        return {"value": option} if option else None
    if kind == "multiselect":
        return [{"value": custom.options.to_site(site, option)} for option in value or []]
    if kind == "labels":
        return list(value or [])
    if kind == "text" and isinstance(value, dict):
        return _render_rich(site, custom.key, value, maps, out)
    return value


def _render_rich(site: SiteNumber, name: str, value: Any, maps: FieldMaps, out: Rendered) -> Any:
    """A rich text value as ``site``'s ADF; what the site cannot take is held and reported.
    A string is a plain text value (an older pair's base): written as paragraphs."""
    if not isinstance(value, dict):
        return text_to_adf(value)
    written = documents.for_site(site, value, maps.users, maps.files)
    if written.lost:
        held = documents.canonical_document(site, written.document, maps.users, maps.files)
        out.held[name] = held
        out.problems[name] = documents.lost_note(site, written.lost)
    return written.document


def _rich(site: SiteNumber, value: Any, maps: FieldMaps) -> Any:
    """A rich text value: a REST document canonical, a webhook's wiki text normalised."""
    if isinstance(value, dict):
        return documents.canonical_document(site, value, maps.users, maps.files)
    return normalize_text(value if isinstance(value, str) else None)


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("name")
        return str(name) if name is not None else None
    return str(value) if value is not None else None


def _option(value: Any) -> str | None:
    if isinstance(value, dict):
        option = value.get("value")
        return str(option) if option is not None else None
    return str(value) if value is not None else None


def _account(value: Any) -> str | None:
    """A user's id: Cloud's accountId, or a Data Center user's username (no accountId)."""
    if isinstance(value, dict):
        account = value.get("accountId") or value.get("name")
        return str(account) if account else None
    return None
