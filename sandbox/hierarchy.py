"""Parents: a sub-task under a standard issue, a standard issue under an epic.

JIRA Cloud's words, as clients met them: a sub-task created without ``parent`` is 400
``{"issuetype": "Issue type is a sub-task but parent issue key or id not specified."}``
(https://github.com/gioboa/jira-plugin/issues/35, https://github.com/meteora-pro/devboy-
tools/issues/214); ``parent`` that is not an object is ``{"parent": "data was not an
object"}`` (https://github.com/pycontribs/jira/issues/396); a parent one level off is
``{"parentId": "Given parent work item does not belong to appropriate hierarchy"}`` (a
captured Cloud answer quoted in public client documentation; a parent sits exactly one
hierarchy level above its child). The child shows ``fields.parent``; a sub-task's parent
lists it in ``fields.subtasks``. An edit may move an issue to another parent (``fields.parent``
``{"key": ...}``; ``null`` takes a standard issue out of its epic): one changelog item
``IssueParentAssociation``, with the parents' ids in ``from``/``to``, their keys in the
strings and no ``fieldId`` (Atlassian's notice consolidating "Epic Link" and "Parent" into it,
and its reply that these items carry no ``fieldId``, as quoted in public client code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.errors import JiraError, field_errors
from sandbox.model import ChangeItem, Issue
from sandbox.render import linked

if TYPE_CHECKING:
    from sandbox.site import Site

NO_PARENT = "Issue type is a sub-task but parent issue key or id not specified."
WRONG_LEVEL = "Given parent work item does not belong to appropriate hierarchy"


def parent_for(site: Site, issuetype: dict[str, Any], fields: dict[str, Any]) -> Issue | None:
    """The issue ``fields.parent`` names, checked against ``issuetype``'s level."""
    wanted = fields.get("parent")
    if wanted is None:
        if issuetype.get("subtask"):
            raise field_errors({"issuetype": NO_PARENT})
        return None
    if not isinstance(wanted, dict):
        raise field_errors({"parent": "data was not an object"})
    reference = wanted.get("id") or wanted.get("key")
    if not reference:
        raise field_errors({"parent": "Could not find issue by id or key."})
    try:
        parent = site.find(str(reference))
    except JiraError:
        raise field_errors({"parent": "Could not find issue by id or key."}) from None
    parent_level = int(parent.fields["issuetype"].get("hierarchyLevel", 0))
    if parent_level != int(issuetype.get("hierarchyLevel", 0)) + 1:
        raise field_errors({"parentId": WRONG_LEVEL})
    return parent


def adopt(site: Site, parent: Issue, child: Issue) -> None:
    """``child`` is under ``parent`` from now on: ``fields.parent``, ``fields.subtasks``."""
    child.fields["parent"] = linked(parent, site.catalog.base)
    if child.fields["issuetype"].get("subtask"):
        listed = list(parent.fields.get("subtasks") or [])
        parent.fields["subtasks"] = [*listed, linked(child, site.catalog.base)]
        site.index.record(parent, site.stamper.now_ms())


def orphan(site: Site, child: Issue) -> None:
    """``child`` is gone: its parent no longer lists it."""
    parent_ref = child.fields.get("parent")
    parent = site.issues.get(parent_ref["id"]) if isinstance(parent_ref, dict) else None
    if parent is not None:
        kept = [s for s in parent.fields.get("subtasks") or [] if s["id"] != child.id]
        parent.fields["subtasks"] = kept


@dataclass(frozen=True)
class Wanted:
    issue: Issue | None  # None: no parent any more


def wanted_parent(site: Site, issue: Issue, body: Any) -> tuple[Any, Wanted | None]:
    """An edit's body without ``fields.parent``, and the parent it asks for (checked)."""
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, dict) or "parent" not in fields:
        return body, None
    rest = {**body, "fields": {k: v for k, v in fields.items() if k != "parent"}}
    wanted = fields["parent"]
    if wanted is None and not issue.fields["issuetype"].get("subtask"):
        return rest, Wanted(None)
    parent = parent_for(site, issue.fields["issuetype"], {"parent": wanted})
    if parent is not None and parent.id == issue.id:
        raise field_errors({"parentId": WRONG_LEVEL})
    return rest, Wanted(parent)


def move(site: Site, issue: Issue, parent: Issue | None) -> list[ChangeItem]:
    """``issue`` under ``parent`` (or none): the changelog item, none when nothing moves."""
    old = issue.fields.get("parent")
    old_id, old_key = (old["id"], old["key"]) if isinstance(old, dict) else (None, None)
    if old_id == (parent.id if parent else None):
        return []
    orphan(site, issue)
    issue.fields["parent"] = None
    if parent is not None:
        adopt(site, parent, issue)
    new_id, new_key = (parent.id, parent.key) if parent else (None, None)
    return [ChangeItem("IssueParentAssociation", "jira", None, old_id, old_key, new_id, new_key)]
