"""REST v3 answer bodies: issues (with field selection), history, comments."""

from __future__ import annotations

from typing import Any

from sandbox.catalog import Catalog
from sandbox.clock import jira_time
from sandbox.model import ChangeGroup, Comment, Issue, Snapshot
from sandbox.users import Directory

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
EXPANDED_HISTORY = 100


def select_fields(requested: list[str] | None, catalog: Catalog, *, everything: bool) -> list[str]:
    """Field ids for a ``fields`` parameter: ``*all``, ``*navigable``, ids, ``-id``.

    Unknown ids are ignored, as JIRA does. ``everything`` is the default when absent.
    """
    known = list(catalog.fields)
    if requested is None:
        return known if everything else []
    chosen: list[str] = []
    for token in requested:
        if token in {"*all", "*navigable"}:
            chosen += known
        elif token in catalog.fields:
            chosen.append(token)
    excluded = {token[1:] for token in requested if token.startswith("-")}
    return [field for field in dict.fromkeys(chosen) if field not in excluded]


def issue(
    item: Issue | Snapshot,
    base: str,
    fields: list[str],
    properties: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "expand": ISSUE_EXPAND,
        "id": item.id,
        "self": f"{base}/rest/api/3/issue/{item.id}",
        "key": item.key,
        "fields": {name: item.fields.get(name) for name in fields},
    }
    if properties:
        body["properties"] = selected_properties(item.properties, properties)
    return body


def selected_properties(have: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    if "*all" in wanted:
        return dict(have)
    return {key: have[key] for key in wanted if key in have}


def expanded_changelog(item: Issue, users: Directory, base: str) -> dict[str, Any]:
    """``expand=changelog`` on an issue: the newest 100 histories, newest first."""
    newest = list(reversed(item.changelog))[:EXPANDED_HISTORY]
    return {
        "startAt": 0,
        "maxResults": len(newest),
        "total": len(item.changelog),
        "histories": [history(group, users, base) for group in newest],
    }


def history(group: ChangeGroup, users: Directory, base: str) -> dict[str, Any]:
    return {
        "id": group.id,
        "author": person(group.author_id, users, base),
        "created": jira_time(group.created_ms),
        "items": [item.rest() for item in group.items],
    }


def person(account_id: str, users: Directory, base: str) -> dict[str, Any]:
    user = users.get(account_id)
    if user is None:
        return {"accountId": account_id, "displayName": "Former user", "active": False}
    return user.details(base)


def comment(
    item: Comment, users: Directory, base: str, *, properties: bool = False
) -> dict[str, Any]:
    """A comment; ``properties`` (``expand=properties``) adds its entity properties."""
    body: dict[str, Any] = {
        "self": f"{base}/rest/api/3/issue/{item.issue_id}/comment/{item.id}",
        "id": item.id,
        "author": person(item.author_id, users, base),
        "body": item.body,
        "updateAuthor": person(item.update_author_id, users, base),
        "created": jira_time(item.created_ms),
        "updated": jira_time(item.updated_ms),
        "jsdPublic": item.jsd_public,
    }
    if item.visibility is not None:
        body["visibility"] = item.visibility
    if properties:
        body["properties"] = [{"key": k, "value": v} for k, v in item.properties.items()]
    return body


def linked(issue: Issue, base: str) -> dict[str, Any]:
    """Another issue as a link, a parent or a sub-task shows it: id, key, a few fields."""
    fields = {name: issue.fields.get(name) for name in ("summary", "status", "priority")}
    fields["issuetype"] = issue.fields.get("issuetype")
    return {"id": issue.id, "key": issue.key, "self": f"{base}/rest/api/3/issue/{issue.id}",
            "fields": fields}  # fmt: skip
