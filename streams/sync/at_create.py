"""Values carried beside the merge, never merged: the parent (a key of its own site,
``streams.sync.hierarchy``) and the reporter (who reported the issue on its origin), both
set only when a counterpart is created, and the issue's outward links (ids of its own
site; synced by ``streams.sync.issue_links``, after a create too).

The reporter is set on the counterpart from the user map where the sync account may set it
(JIRA's Modify Reporter permission; without it JIRA refuses the field as not on the screen,
``sandbox.people`` cites where from). Where it cannot be set (no such permission, or the
person has no account on that site), the counterpart says who reported it in an attribution
comment written by the sync account (its comments never come back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.sites import SiteNumber
from streams.sync import issue_links

if TYPE_CHECKING:
    from streams.sync.knowledge import UserMap

PARENT = "parent"  # ``{"id", "key", "subtask"}`` of the origin's parent
REPORTER = "reporter"  # ``{"account": canonical account id or None, "name": display name}``
ISSUELINKS = "issuelinks"  # the side's outward links (``streams.sync.issue_links``)
ONLY_AT_CREATE = frozenset({"issuetype", PARENT, REPORTER, ISSUELINKS})


def values(site: SiteNumber, fields: dict[str, Any], users: UserMap) -> dict[str, Any]:
    """The parent and reporter in ``fields`` (REST or webhook), as the sync carries them."""
    found: dict[str, Any] = {}
    if PARENT in fields:  # None: no parent (a webhook and a REST read list it as null)
        found[PARENT] = parent_ref(fields[PARENT], fields.get("issuetype"))
    if ISSUELINKS in fields:
        found[ISSUELINKS] = issue_links.seen_of(fields[ISSUELINKS])
    person = fields.get(REPORTER)
    if isinstance(person, dict):
        account = person.get("accountId")
        canonical = users.to_canonical(site, str(account)) if account else None
        found[REPORTER] = {"account": canonical, "name": str(person.get("displayName") or "")}
    return found


def parent_ref(parent: Any, issue_type: Any) -> dict[str, Any] | None:
    """``fields.parent``: its id and key, and whether the child is a sub-task."""
    if not isinstance(parent, dict) or not parent.get("id"):
        return None
    subtask = isinstance(issue_type, dict) and bool(issue_type.get("subtask"))
    return {"id": str(parent["id"]), "key": str(parent.get("key") or ""), "subtask": subtask}


def reporter_field(site: SiteNumber, reporter: Any, users: UserMap) -> dict[str, Any]:
    """``fields.reporter`` for a create on ``site``: the reporter's account there, or
    nothing (the account unknown there: the attribution says who it was)."""
    if not isinstance(reporter, dict) or not reporter.get("account"):
        return {}
    account = users.to_site(site, str(reporter["account"]))
    return {REPORTER: {"accountId": account}} if account else {}


def attribution(reporter: Any, origin_key: str, origin_site: SiteNumber) -> str | None:
    """The line naming who reported the origin, for a counterpart that could not be given
    its reporter (None: the origin named nobody)."""
    if not isinstance(reporter, dict):
        return None
    name = reporter.get("name") or reporter.get("account")
    if not name:
        return None
    return f"{name} reported this as {origin_key} (site {origin_site}). [jira-sync]"
