"""Evaluating a parsed JQL ``Query`` against the search index's issue snapshots.

Checks first, as JIRA does: unknown fields, unknown projects/statuses and issue keys
that do not exist make the whole query fail (400), and a query without any restriction
is refused as unbounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.jql import Clause, JqlError, Junction, Negation, Node, Query, Value
from sandbox.model import Snapshot

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
RELATIVE = re.compile(r"^([-+]?)(\d+)([wdhm])$")
UNITS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000}
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
FIELD_ALIASES = {"issuekey": "key", "createddate": "created", "updateddate": "updated"}
SORTABLE = {"key", "id", "created", "updated"}
RANGE = frozenset({">", ">=", "<", "<="})


@dataclass(frozen=True)
class Context:
    """What evaluation needs to know about the site and the moment."""

    project_key: str
    statuses: dict[str, str]  # lower-case name or id -> status id
    existing_keys: frozenset[str]
    existing_ids: frozenset[str]
    now_ms: int
    current_user: str
    # Every project of the site (key and id), and every key an issue answers to, former
    # keys of moved issues included (JIRA resolves them: they keep pointing at the issue).
    projects: frozenset[str] = frozenset()
    key_ids: Mapping[str, str] = field(default_factory=dict)
    # Other names of accounts -> accountId: a Data Center site's usernames and user keys.
    people: Mapping[str, str] = field(default_factory=dict)


def check(query: Query, context: Context) -> None:
    if query.where is None:
        raise JqlError(UNBOUNDED)
    for clause in _clauses(query.where):
        _check_clause(clause, context)
    for name, _ in query.order:
        if _canonical(name) not in SORTABLE:
            raise JqlError(f"Not able to sort using field '{name}'.")


def _clauses(node: Node) -> list[Clause]:
    if isinstance(node, Clause):
        return [node]
    if isinstance(node, Negation):
        return _clauses(node.part)
    return [clause for part in node.parts for clause in _clauses(part)]


def _canonical(name: str) -> str:
    lowered = name.lower()
    return FIELD_ALIASES.get(lowered, lowered)


def _check_clause(clause: Clause, context: Context) -> None:
    field = _canonical(clause.field)
    if field not in MATCHERS:
        raise JqlError(
            f"Field '{clause.field}' does not exist or you do not have permission to view it."
        )
    for value in clause.values:
        if value.empty or value.function:
            continue
        projects = context.projects or {context.project_key, "10000"}
        if field == "project" and value.text.upper() not in projects:
            raise JqlError(f"The value '{value.text}' does not exist for the field 'project'.")
        if field == "status" and value.text.lower() not in context.statuses:
            raise JqlError(f"The value '{value.text}' does not exist for the field 'status'.")
        if field == "key" and not _issue_exists(value.text, context):
            raise JqlError(
                f"An issue with key '{value.text}' does not exist for field '{clause.field}'."
            )
        if field in {"created", "updated"}:
            moment(value, context.now_ms, clause.field)


def _issue_exists(text: str, context: Context) -> bool:
    known = text.upper() in context.existing_keys or text.upper() in context.key_ids
    return known or text in context.existing_ids


def matches(node: Node, issue: Snapshot, context: Context) -> bool:
    if isinstance(node, Negation):
        return not matches(node.part, issue, context)
    if isinstance(node, Junction):
        results = (matches(part, issue, context) for part in node.parts)
        return all(results) if node.kind == "and" else any(results)
    return MATCHERS[_canonical(node.field)](node, issue, context)


def moment(value: Value, now_ms: int, field: str) -> int:
    """Epoch ms of a JQL date value: absolute (UTC), relative (``-15m``) or ``now()``."""
    if value.function:
        return _function_moment(value.text, now_ms)
    relative = RELATIVE.match(value.text.strip())
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        return now_ms + sign * int(relative.group(2)) * UNITS[relative.group(3)]
    for layout in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value.text.strip(), layout).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(parsed.timestamp() * 1000)
    raise JqlError(
        f"Date value '{value.text}' for field '{field}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


def _function_moment(name: str, now_ms: int) -> int:
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    if name.lower() == "startofday":
        return int(now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    if name.lower() == "endofday":
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return int(midnight.timestamp() * 1000) - 1
    return now_ms


def _compare(operator: str, have: Any, wanted: list[Any]) -> bool:
    if operator in {"=", "in"}:
        return have in wanted
    if operator in {"!=", "not in"}:
        return have is not None and have not in wanted
    if have is None:
        return False
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    if operator not in comparisons:
        raise JqlError(f"The operator '{operator}' is not supported here.")
    return comparisons[operator](have, wanted[0])


def _emptiness(clause: Clause, have: Any) -> bool | None:
    if clause.operator not in {"is", "is not"}:
        return None
    empty = have in (None, [], "")
    return empty if clause.operator == "is" else not empty


def _date_matcher(name: str) -> Callable[[Clause, Snapshot, Context], bool]:
    def match(clause: Clause, issue: Snapshot, context: Context) -> bool:
        have = issue.created_ms if name == "created" else issue.updated_ms
        empty = _emptiness(clause, have)
        if empty is not None:
            return empty
        wanted = [moment(value, context.now_ms, clause.field) for value in clause.values]
        return _compare(clause.operator, have, wanted)

    return match


def _key_sort(issue: Snapshot) -> tuple[str, int]:
    return issue.key.rsplit("-", 1)[0], issue.number


def _match_key(clause: Clause, issue: Snapshot, context: Context) -> bool:
    if clause.field.lower() == "id":
        ids = [int(v.text) if v.text.isdigit() else -1 for v in clause.values]
        return _compare(clause.operator, int(issue.id), ids)
    if clause.operator in {"=", "in", "!=", "not in"} and context.key_ids:
        named = [context.key_ids.get(v.text.upper(), v.text) for v in clause.values]
        return _compare(clause.operator, issue.id, named)
    own = issue.key.rpartition("-")[0]
    numbers = [_key_number(v.text, own) for v in clause.values]
    if clause.operator in RANGE and numbers[0] < 0:
        return False  # ``key > ALPHA-3``: ALPHA's issues after 3, none of another project
    return _compare(clause.operator, issue.number, numbers)


def _key_number(text: str, project_key: str) -> int:
    """The number of key ``text`` when it is one of ``project_key`` (keys of other projects
    compare with nothing)."""
    project, _, number = text.upper().rpartition("-")
    return int(number) if project == project_key and number.isdigit() else -1


def _match_project(clause: Clause, issue: Snapshot, context: Context) -> bool:
    project = issue.fields["project"]
    wanted = [v.text.upper() for v in clause.values]
    have = project["key"] if project["key"] in wanted else project["id"]
    return _compare(clause.operator, have, wanted)


def _match_status(clause: Clause, issue: Snapshot, context: Context) -> bool:
    wanted = [context.statuses.get(v.text.lower()) for v in clause.values]
    return _compare(clause.operator, issue.fields["status"]["id"], wanted)


def _match_labels(clause: Clause, issue: Snapshot, context: Context) -> bool:
    labels = issue.fields.get("labels") or []
    empty = _emptiness(clause, labels)
    if empty is not None:
        return empty
    wanted = {v.text for v in clause.values}
    hit = bool(wanted & set(labels))
    return hit if clause.operator in {"=", "in"} else not hit


def _person_matcher(name: str) -> Callable[[Clause, Snapshot, Context], bool]:
    def match(clause: Clause, issue: Snapshot, context: Context) -> bool:
        person = issue.fields.get(name)
        have = person["accountId"] if person else None
        empty = _emptiness(clause, have)
        if empty is not None:
            return empty
        wanted = [context.current_user if v.function else v.text for v in clause.values]
        wanted = [context.people.get(text.casefold(), text) for text in wanted]
        return _compare(clause.operator, have, wanted)

    return match


def _match_text(clause: Clause, issue: Snapshot, context: Context) -> bool:
    summary = str(issue.fields.get("summary") or "").lower()
    hit = all(word in summary for word in clause.values[0].text.lower().split())
    return hit if clause.operator == "~" else not hit


def _match_resolution(clause: Clause, issue: Snapshot, context: Context) -> bool:
    resolution = issue.fields.get("resolution")
    have = resolution["name"].lower() if resolution else None
    empty = _emptiness(clause, have)
    if empty is not None:
        return empty
    wanted = [None if v.text.lower() == "unresolved" else v.text.lower() for v in clause.values]
    return have in wanted if clause.operator in {"=", "in"} else have not in wanted


MATCHERS: dict[str, Callable[[Clause, Snapshot, Context], bool]] = {
    "project": _match_project,
    "key": _match_key,
    "id": _match_key,
    "created": _date_matcher("created"),
    "updated": _date_matcher("updated"),
    "status": _match_status,
    "labels": _match_labels,
    "assignee": _person_matcher("assignee"),
    "reporter": _person_matcher("reporter"),
    "summary": _match_text,
    "text": _match_text,
    "resolution": _match_resolution,
}


def ordered(issues: list[Snapshot], order: tuple[tuple[str, bool], ...]) -> list[Snapshot]:
    """Sorted by ``ORDER BY`` (default: newest first), ties broken by id."""
    result = sorted(issues, key=lambda issue: int(issue.id), reverse=True)
    for name, descending in reversed(order):
        result.sort(key=SORT_KEYS[_canonical(name)], reverse=descending)
    return result


SORT_KEYS: dict[str, Callable[[Snapshot], Any]] = {
    "key": _key_sort,
    "id": lambda issue: int(issue.id),
    "created": lambda issue: issue.created_ms,
    "updated": lambda issue: issue.updated_ms,
}
