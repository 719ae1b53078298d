"""The site's domain logic: issues created, edited, deleted; history and events recorded.

Routes parse HTTP and call these methods; every change goes through ``commit`` (history,
``updated``, search index, webhook), so REST, seeding and tests see one behaviour.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox import hierarchy
from sandbox.attachment_store import AttachmentStore
from sandbox.catalog import Catalog
from sandbox.clock import Stamper, jira_time
from sandbox.config import Faults, SiteConfig
from sandbox.dc_events import payloads_for
from sandbox.edits import Screens, changes, plan, sections
from sandbox.errors import field_errors, not_found
from sandbox.index import SearchIndex
from sandbox.model import ChangeGroup, ChangeItem, Issue
from sandbox.properties import entity_properties
from sandbox.security import Security
from sandbox.users import Directory, User
from sandbox.values import FieldError, Values
from sandbox.workflow import Workflow

if TYPE_CHECKING:
    from sandbox.issue_links import Link
    from sandbox.moves import BulkMove

Publish = Callable[[str, dict[str, Any]], None]
FIRST_ID = 10000
CREATE_ONLY = ("project", "issuetype", "parent")  # checked before the screen (sandbox.hierarchy)


class Site:
    def __init__(
        self,
        config: SiteConfig,
        users: Directory,
        stamper: Stamper,
        publish: Publish,
    ) -> None:
        self.config = config
        self.catalog = Catalog(config)
        self.users = users
        self.values = Values(self.catalog, users, wiki=config.flavour == "datacenter")
        self.workflow: Workflow = config.resolved_workflow()
        self.stamper = stamper
        self.publish = publish
        self.payloads = payloads_for(config, users)
        self.index = SearchIndex()
        self.faults: Faults = config.faults
        self.issues: dict[str, Issue] = {}
        self._keys: dict[str, str] = {}
        self._ids = {
            name: itertools.count(FIRST_ID)
            for name in (
                "issue",
                "history",
                "comment",
                "link",
                "attachment",
                "issuelink",
                "worklog",
            )
        }
        self._numbers = {key: itertools.count(1) for key in self.catalog.projects}
        self.screens = _configured_screens(config, self.catalog)
        self.bulk_moves: dict[str, BulkMove] = {}  # bulk move tasks by id (sandbox.moves)
        self.security = Security.for_site(config.integration_account_id)
        self.attachments = AttachmentStore(config.attachment_limit)
        self.links: dict[str, Link] = {}  # issue links by id (sandbox.issue_links)
        self.time_tracking = config.time_tracking  # off: worklog operations answer 400
        self.withheld: dict[str, set[str]] = {}  # permission key -> accounts without it

    def next_id(self, kind: str) -> str:
        return str(next(self._ids[kind]))

    def find(self, id_or_key: str) -> Issue:
        issue_id = id_or_key if id_or_key.isdigit() else self._keys.get(id_or_key.upper())
        issue = self.issues.get(issue_id or "")
        if issue is None:
            raise not_found()
        return issue

    def next_key(self, project: str) -> str:
        """The next free key of ``project`` (numbers are per project)."""
        return f"{project}-{next(self._numbers[project])}"

    def rekey(self, issue: Issue, key: str) -> None:
        """``issue`` is now ``key``; its former keys keep resolving (``find``)."""
        issue.key = key
        self._keys[key] = issue.id

    def key_ids(self) -> dict[str, str]:
        """Every key that resolves, former keys of moved issues included -> issue id."""
        return {key: i for key, i in self._keys.items() if i in self.issues}

    def create(self, actor: User, body: Any, *, notify: bool = True) -> Issue:
        fields, _ = sections(body)
        properties = _create_properties(body)
        issuetype = self._create_basics(fields)
        parent = hierarchy.parent_for(self, issuetype, fields)
        planned = self._plan_create(actor, body, fields)
        self.security.check_settable(actor.account_id, planned)
        project = self.catalog.project_key_of(_wanted_project(fields))
        issue = self._new_issue(actor, issuetype, planned, properties, project)
        if parent is not None:
            hierarchy.adopt(self, parent, issue)
        self.index.record(issue, issue.created_ms)
        if notify:
            self._announce_created(issue, actor, planned)
        return issue

    def _create_basics(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The issue type, after JIRA's first checks: a valid project, an issue type."""
        if self.catalog.project_key_of(_wanted_project(fields)) is None:
            raise field_errors({"project": "Specify a valid project ID or key"})
        if "issuetype" not in fields:
            raise field_errors({"issuetype": "Specify an issue type"})
        try:
            return dict(self.values.parse(self.catalog.fields["issuetype"], fields["issuetype"]))
        except FieldError as error:
            raise field_errors({"issuetype": error.message}) from None

    def _plan_create(
        self, actor: User, body: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        rest = {"fields": {k: v for k, v in fields.items() if k not in CREATE_ONLY}}
        rest["update"] = body.get("update") or {}
        project = self.catalog.project_key_of(_wanted_project(fields)) or self.config.project_key
        screen = self._for(actor, self.screens.create, project)
        planned = plan({}, rest, screen=screen, values=self.values_in(project))
        if not planned.get("summary"):
            raise field_errors({"summary": "You must specify a summary of the issue."})
        return planned

    def values_in(self, project: str) -> Values:
        """The field values as ``project`` takes them (its own components and versions)."""
        return dataclasses.replace(self.values, project=project)

    def _for(self, actor: User, screen: frozenset[str], project: str) -> frozenset[str]:
        """The screen as ``actor`` sees it in ``project``: the reporter only with Modify
        Reporter (held by the project's admins, as JIRA's default permission scheme grants)."""
        if actor.administers(project):
            return screen
        return screen - {"reporter"}

    def _announce_created(self, issue: Issue, actor: User, planned: dict[str, Any]) -> None:
        set_fields = {k: v for k, v in issue.fields.items() if k in planned}
        items = changes(self.catalog, {}, set_fields)
        items.append(status_item(None, issue.fields["status"]))
        changelog = (self.next_id("history"), items)
        body = self.payloads.issue_event(
            "jira:issue_created", "issue_created", issue, actor, issue.created_ms, changelog
        )
        self.publish("jira:issue_created", body)

    def _new_issue(
        self,
        actor: User,
        issuetype: dict[str, Any],
        planned: dict[str, Any],
        props: dict[str, Any],
        project: str | None = None,
    ) -> Issue:
        now = self.stamper.now_ms()
        me = actor.details(self.catalog.base)
        fields: dict[str, Any] = dict.fromkeys(self.catalog.fields)
        fields |= {"labels": [], "components": [], "fixVersions": [], "attachment": []}
        fields |= {"issuelinks": [], "subtasks": []}
        fields |= {
            "issuetype": issuetype,
            "project": self.catalog.project_ref(project),
            "priority": self.catalog.default_priority(),
            "reporter": me,
            "creator": me,
            "status": self.workflow.status(self.workflow.initial).json(self.catalog.base),
            "created": jira_time(now),
            "updated": jira_time(now),
        }
        fields |= planned
        key = self.next_key(project or self.config.project_key)
        issue = Issue(self.next_id("issue"), key, fields, now, now, props)
        self.issues[issue.id] = issue
        self._keys[key] = issue.id
        return issue

    def edit(self, actor: User, issue: Issue, body: Any) -> None:
        body, parent = hierarchy.wanted_parent(self, issue, body)
        screen = self._for(actor, self.screens.edit, issue.fields["project"]["key"])
        values = self.values_in(issue.fields["project"]["key"])
        planned = plan(issue.fields, body, screen=screen, values=values)
        self.security.check_settable(actor.account_id, planned)
        items = changes(self.catalog, issue.fields, planned)
        if parent is not None:
            items += hierarchy.move(self, issue, parent.issue)
        if not items:
            return
        issue.fields |= planned
        only_assignee = {item.field_id for item in items} == {"assignee"}
        self.commit(issue, actor, items, "issue_assigned" if only_assignee else "issue_updated")

    def commit(self, issue: Issue, actor: User, items: list[ChangeItem], type_name: str) -> None:
        """Record a change already applied to ``issue.fields``: history, index, webhook."""
        now = self.stamper.now_ms()
        issue.touch(now)
        group = ChangeGroup(self.next_id("history"), actor.account_id, now, tuple(items))
        issue.changelog.append(group)
        self.index.record(issue, now)
        body = self.payloads.issue_event(
            "jira:issue_updated", type_name, issue, actor, now, (group.id, items)
        )
        self.publish("jira:issue_updated", body)

    def touched(self, issue: Issue) -> int:
        """Mark ``issue`` updated without history (comments); returns the moment."""
        now = self.stamper.now_ms()
        issue.touch(now)
        self.index.record(issue, now)
        return now

    def delete(self, actor: User, issue: Issue) -> None:
        now = self.stamper.now_ms()
        del self.issues[issue.id]
        del self._keys[issue.key]
        hierarchy.orphan(self, issue)
        self.index.remove(issue.id, now)
        body = self.payloads.issue_event("jira:issue_deleted", "issue_deleted", issue, actor, now)
        self.publish("jira:issue_deleted", body)


def _configured_screens(config: SiteConfig, catalog: Catalog) -> Screens:
    defaults = Screens.defaults(catalog)
    return Screens(
        config.create_screen if config.create_screen is not None else defaults.create,
        config.edit_screen if config.edit_screen is not None else defaults.edit,
    )


def status_item(old: dict[str, Any] | None, new: dict[str, Any]) -> ChangeItem:
    old_id, old_name = (old["id"], old["name"]) if old else (None, None)
    return ChangeItem("status", "jira", "status", old_id, old_name, new["id"], new["name"])


def _wanted_project(fields: dict[str, Any]) -> object:
    project = fields.get("project")
    return project.get("key", project.get("id")) if isinstance(project, dict) else None


def _create_properties(body: dict[str, Any]) -> dict[str, Any]:
    return entity_properties(body.get("properties") or None)
