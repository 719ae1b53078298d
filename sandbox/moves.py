"""Issue moves: an issue goes to another project of the site, keeps its id, gets a new key.

What JIRA Cloud does, and so the emulator:

- The issue keeps its id; its key becomes the next key of the target project and its former
  key keeps resolving: "Jira reserves all previous historical keys so that it will still
  work if you try to access your issue using the link (pointing to its historical key)"
  (https://support.atlassian.com/migration/kb/migration-of-jiras-historical-keys-for-issues-and-projects).
  REST reads and writes by the old key reach the moved issue, and so does JQL ``key = OLD``.
- One ``jira:issue_updated`` webhook (event type ``issue_moved``) whose changelog has a
  ``project`` item (ids and names) and a ``Key`` item (``fromString`` old key,
  ``toString`` new key), and an ``issuetype`` item when the type changes too: the shape
  integrations read to follow a move (getsentry/sentry#123198 reads the ``Key`` item;
  FundingCircle/shipment_tracker#268 the same).
- Moves through the REST API are bulk moves, ``POST /rest/api/3/bulk/issues/move``: 201 with
  a ``taskId`` at once, the issues moved later by a queued task whose progress
  ``GET /rest/api/3/bulk/queue/{taskId}`` reports (ENQUEUED, then COMPLETE with
  ``processedAccessibleIssues``). ``SiteConfig.bulk_move_seconds`` is the time in queue.
  The workflow and fields are the site's own in every project here, so statuses and
  fields are kept (``inferStatusDefaults``/``inferFieldDefaults`` change nothing).

``POST /_emulator/move`` ``{"issue", "project", "issuetype"?}`` moves one issue at once
(not JIRA: the UI's move, for tests and the sandbox).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.clock import jira_time
from sandbox.errors import JiraError, bad_request
from sandbox.http import actor_of, json_body, site_of
from sandbox.model import ChangeItem, Issue
from sandbox.users import ALICE, User

if TYPE_CHECKING:
    from sandbox.site import Site

ROUTES = web.RouteTableDef()
NOT_A_TASK = "The task associated with this taskId is not a bulk operation task"
INVALID = "Some of the issues in the issueIdsOrKeys are not valid"
_TASK_IDS = itertools.count(10000)


def move(site: Site, actor: User, issue: Issue, project: str, issuetype: dict[str, Any]) -> None:
    """Move ``issue`` to ``project`` (a key of the site) as ``issuetype``; one webhook."""
    old_project, old_type = issue.fields["project"], issue.fields["issuetype"]
    items: list[ChangeItem] = []
    if project != old_project["key"]:
        new_project = site.catalog.project_ref(project)
        old_key, new_key = issue.key, site.next_key(project)
        site.rekey(issue, new_key)
        issue.fields["project"] = new_project
        items.append(_item("project", "project", old_project, new_project))
        items.append(ChangeItem("Key", "jira", "issuekey", None, old_key, None, new_key))
    if issuetype["id"] != old_type["id"]:
        issue.fields["issuetype"] = issuetype
        items.append(_item("issuetype", "issuetype", old_type, issuetype))
    if items:
        site.commit(issue, actor, items, "issue_moved")


def _item(name: str, field_id: str, old: dict[str, Any], new: dict[str, Any]) -> ChangeItem:
    return ChangeItem(name, "jira", field_id, old["id"], old["name"], new["id"], new["name"])


@dataclass
class BulkMove:
    """One queued bulk move task and what it reports."""

    task_id: str
    submitted_by: str
    created_ms: int
    issue_ids: list[str]
    project: str
    issuetype: dict[str, Any]
    status: str = "ENQUEUED"
    done_ms: int | None = None
    processed: list[int] = field(default_factory=list)

    def progress(self) -> dict[str, Any]:
        """``BulkOperationProgress`` (the description's timestamps are date-times)."""
        body: dict[str, Any] = {
            "taskId": self.task_id,
            "status": self.status,
            "submittedBy": {"accountId": self.submitted_by},
            "created": jira_time(self.created_ms),
            "progressPercent": 100 if self.done_ms is not None else 0,
            "totalIssueCount": len(self.issue_ids),
        }
        if self.done_ms is not None:
            body |= {
                "started": jira_time(self.done_ms),
                "updated": jira_time(self.done_ms),
                "processedAccessibleIssues": self.processed,
                "invalidOrInaccessibleIssueCount": 0,
            }
        return body


def run(site: Site, task: BulkMove) -> None:
    """Carry out ``task``: every issue still there is moved (the submitter is the actor)."""
    actor = site.users.get(task.submitted_by) or site.users.all()[0]
    for issue_id in task.issue_ids:
        issue = site.issues.get(issue_id)
        if issue is not None:
            move(site, actor, issue, task.project, task.issuetype)
            task.processed.append(int(issue_id))
    task.status, task.done_ms = "COMPLETE", site.stamper.now_ms()


class BulkError(Exception):
    """A refused bulk request: answered as ``BulkOperationErrorResponse``."""

    def response(self) -> web.Response:
        return web.json_response({"errors": [{"message": str(self)}]}, status=400)


def _target(site: Site, mapping_key: str) -> tuple[str, dict[str, Any]]:
    """``<project id or key>,<issue type id>[,<parent>]`` -> project key and issue type."""
    parts = mapping_key.split(",")
    project = site.catalog.project_key_of(parts[0]) if parts else None
    issuetype = site.catalog.find("issuetype", "id", parts[1]) if len(parts) > 1 else None
    if project is None or issuetype is None:
        raise BulkError(f"The target {mapping_key} is not a valid project and issue type.")
    return project, dict(issuetype)


def _sources(site: Site, mapping: Any) -> list[str]:
    wanted = mapping.get("issueIdsOrKeys") if isinstance(mapping, dict) else None
    if not isinstance(wanted, list) or not wanted or len(wanted) > 1000:
        raise BulkError(INVALID)
    try:
        return [site.find(str(name)).id for name in wanted]
    except JiraError:
        raise BulkError(INVALID) from None


def submit(site: Site, actor: User, body: Any) -> BulkMove:
    """A bulk move request, validated: one target (project, issue type), its issues."""
    mappings = body.get("targetToSourcesMapping") if isinstance(body, dict) else None
    if not isinstance(mappings, dict) or len(mappings) != 1:
        raise BulkError("Exactly one target is needed in targetToSourcesMapping.")
    [(mapping_key, mapping)] = mappings.items()
    project, issuetype = _target(site, mapping_key)
    ids = _sources(site, mapping)
    task = BulkMove(
        str(next(_TASK_IDS)), actor.account_id, site.stamper.now_ms(), ids, project, issuetype
    )
    site.bulk_moves[task.task_id] = task
    return task


@ROUTES.post("/rest/api/3/bulk/issues/move")
async def submit_bulk_move(request: web.Request) -> web.Response:
    site = site_of(request)
    try:
        task = submit(site, actor_of(request), await json_body(request))
    except BulkError as error:
        return error.response()
    asyncio.get_running_loop().call_later(site.config.bulk_move_seconds, run, site, task)
    return web.json_response({"taskId": task.task_id}, status=201)


@ROUTES.get("/rest/api/3/bulk/queue/{taskId}")
async def bulk_progress(request: web.Request) -> web.Response:
    task = site_of(request).bulk_moves.get(request.match_info["taskId"])
    if task is None:
        return BulkError(NOT_A_TASK).response()
    return web.json_response(task.progress())


@ROUTES.post("/_emulator/move")
async def move_now(request: web.Request) -> web.Response:
    """Not JIRA: move one issue at once, as a person does in the UI."""
    site, body = site_of(request), await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("issue"), str):
        raise bad_request("expected {'issue': key, 'project': key, 'issuetype'?: name}")
    issue = site.find(body["issue"])
    project = site.catalog.project_key_of(body.get("project"))
    wanted = body.get("issuetype")
    issuetype = site.catalog.find("issuetype", "name", str(wanted)) if wanted else None
    if project is None or (wanted and issuetype is None):
        raise bad_request("unknown project or issue type")
    actor = site.users.get(ALICE) or site.users.all()[0]
    move(site, actor, issue, project, dict(issuetype or issue.fields["issuetype"]))
    return web.json_response({"id": issue.id, "key": issue.key})
