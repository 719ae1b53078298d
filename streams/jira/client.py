"""``JiraClient``: the REST v3 calls a sync needs, over the one request primitive."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from streams.jira.answers import API as API
from streams.jira.answers import count, issue_path, items, obj, objects, unexpected, valid
from streams.jira.errors import Forbidden
from streams.jira.models import ChangelogEntry, Comment, CreatedIssue, Issue, Transition, User
from streams.jira.partner_calls import PartnerCalls
from streams.jira.transport import JiraTransport, Params
from streams.jira.worklog_calls import WorklogCalls

log = logging.getLogger(__name__)
# JIRA Cloud's 403 to ``notifyUsers=false`` from an account that is neither site admin
# nor project admin (the edit is not applied): see ``may_discard_notifications``.
DISCARD_REFUSED = "discard the user notification"
ADMIN_PERMISSIONS = ("ADMINISTER", "ADMINISTER_PROJECTS")
MODIFY_REPORTER = "MODIFY_REPORTER"  # may set ``reporter`` on a create or an edit


class JiraClient(PartnerCalls, WorklogCalls):
    def __init__(self, transport: JiraTransport) -> None:
        self.transport = transport
        self.request = transport.request
        # Per project key: may edits ask JIRA not to email watchers? Absent: not known yet
        # (try, fall back). May creates set the reporter (Modify Reporter)? Absent: no.
        self.quiet: dict[str, bool] = {}
        self.reporter: dict[str, bool] = {}

    async def may_discard_notifications(self, project_key: str) -> bool:
        """Whether this account may send ``notifyUsers=false`` in ``project_key``: JIRA
        allows it to a site admin (ADMINISTER) or a project admin (ADMINISTER_PROJECTS)
        only. Remembered for ``edit_issue``. https://developer.atlassian.com/cloud/jira/
        platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put"""
        asked = (*ADMIN_PERMISSIONS, MODIFY_REPORTER)
        params = {"projectKey": project_key, "permissions": ",".join(asked)}
        answer = await self.request("GET", f"{API}/mypermissions", params=params)
        held = answer.get("permissions") if isinstance(answer, dict) else None
        held = held if isinstance(held, dict) else {}
        allowed = any(_have(held.get(key)) for key in ADMIN_PERMISSIONS)
        self.reporter[project_key] = _have(held.get(MODIFY_REPORTER))
        self.quiet[project_key] = allowed
        return allowed

    def sets_reporter(self, project_key: str) -> bool:
        """Whether creates in ``project_key`` may carry the reporter (asked at start)."""
        return self.reporter.get(project_key, False)

    async def get_issue(
        self,
        key: str,
        fields: list[str] | None = None,
        expand: list[str] | None = None,
        properties: list[str] | None = None,
    ) -> Issue:
        params: Params = {"fields": fields, "expand": expand, "properties": properties}
        answer = await self.request("GET", issue_path(key), params=params)
        return valid(Issue, answer, "GET", issue_path(key))

    async def create_issue(
        self,
        fields: dict[str, Any],
        properties: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
        parent: str | None = None,
    ) -> CreatedIssue:
        """Create, with issue properties set atomically (the sync's link marker); ``parent``
        (a key or id) puts it under that issue: a sub-task requires one, a standard issue
        may have an epic (JIRA: "Issue type is a sub-task but parent issue key or id not
        specified.", https://github.com/gioboa/jira-plugin/issues/35)."""
        if parent is not None:
            fields = fields | {"parent": {"id": parent} if parent.isdigit() else {"key": parent}}
        body: dict[str, Any] = {"fields": fields}
        if update:
            body["update"] = update
        if properties:
            body["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
        answer = await self.request("POST", f"{API}/issue", json=body)
        return valid(CreatedIssue, answer, "POST", f"{API}/issue")

    async def edit_issue(
        self,
        key: str,
        fields: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
        notify: bool = False,
    ) -> None:
        """``notify=False`` asks JIRA not to email watchers where the account may
        (``may_discard_notifications``); elsewhere the edit is sent without the flag, and a
        403 refusing the flag is retried once without it and remembered."""
        body = {name: value for name, value in (("fields", fields), ("update", update)) if value}
        project = key.rpartition("-")[0]  # "" for an issue id: not known, tried
        if notify or self.quiet.get(project) is False:
            params = {"notifyUsers": True} if notify else None
            await self.request("PUT", issue_path(key), params=params, json=body)
            return
        try:
            await self.request("PUT", issue_path(key), params={"notifyUsers": False}, json=body)
        except Forbidden as error:
            if not any(DISCARD_REFUSED in message for message in error.messages):
                raise
            self.quiet[project] = False
            log.warning(
                "JIRA refused notifyUsers=false: edits in %s will notify watchers: %s",
                project or "this project",
                error,
            )
            await self.request("PUT", issue_path(key), json=body)

    async def delete_issue(self, key: str) -> None:
        await self.request("DELETE", issue_path(key))

    async def transitions(self, key: str) -> list[Transition]:
        path = f"{issue_path(key)}/transitions"
        answer = await self.request("GET", path, params={"expand": ["transitions.fields"]})
        return [
            valid(Transition, item, "GET", path)
            for item in items(answer, "GET", path, "transitions")
        ]

    async def status_and_transitions(self, key: str) -> tuple[str, list[Transition]]:
        """The issue's status and the transitions open from it, in one read: Get issue
        with ``expand=transitions.fields`` (the OpenAPI spec's ``transitions`` expansion;
        atlassian-python-api's ``get_issue_transitions`` asks the same)."""
        path, expand = issue_path(key), ["transitions.fields"]
        answer = await self.request("GET", path, params={"fields": ["status"], "expand": expand})
        issue = valid(Issue, answer, "GET", path)
        status = issue.fields.get("status")
        if not isinstance(status, dict) or not isinstance(status.get("name"), str):
            raise unexpected("GET", path, answer, "no status name")
        listed = items(answer, "GET", path, "transitions")
        return status["name"], [valid(Transition, item, "GET", path) for item in listed]

    async def transition(
        self, key: str, transition_id: str, fields: dict[str, Any] | None = None
    ) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        await self.request("POST", f"{issue_path(key)}/transitions", json=body)

    async def comments(self, key: str, page_size: int = 50) -> AsyncIterator[Comment]:
        start = 0
        while True:
            params: Params = {"startAt": start, "maxResults": page_size, "orderBy": "created"}
            path = f"{issue_path(key)}/comment"
            page = obj(await self.request("GET", path, params=params), "GET", path)
            found = items(page, "GET", path, "comments")
            for item in found:
                yield valid(Comment, item, "GET", path)
            start += len(found)
            if not found or start >= count(page.get("total"), "GET", path):
                return

    async def add_comment(
        self,
        key: str,
        body: dict[str, Any],
        visibility: dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Comment:
        """A new comment; ``properties`` are set with it (a service-desk internal note)."""
        payload: dict[str, Any] = {"body": body}
        if visibility:
            payload["visibility"] = visibility
        if properties:
            payload["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
        path = f"{issue_path(key)}/comment"
        return valid(Comment, await self.request("POST", path, json=payload), "POST", path)

    async def comment(self, key: str, comment_id: str) -> Comment:
        path = f"{issue_path(key)}/comment/{quote(comment_id, safe='')}"
        return valid(Comment, await self.request("GET", path), "GET", path)

    async def update_comment(self, key: str, comment_id: str, body: dict[str, Any]) -> Comment:
        path = f"{issue_path(key)}/comment/{quote(comment_id, safe='')}"
        return valid(Comment, await self.request("PUT", path, json={"body": body}), "PUT", path)

    async def delete_comment(self, key: str, comment_id: str) -> None:
        await self.request("DELETE", f"{issue_path(key)}/comment/{quote(comment_id, safe='')}")

    async def get_property(self, key: str, name: str) -> Any:
        path = f"{issue_path(key)}/properties/{quote(name, safe='')}"
        return obj(await self.request("GET", path), "GET", path).get("value")

    async def set_property(self, key: str, name: str, value: Any) -> None:
        await self.request(
            "PUT", f"{issue_path(key)}/properties/{quote(name, safe='')}", json=value
        )

    async def delete_property(self, key: str, name: str) -> None:
        await self.request("DELETE", f"{issue_path(key)}/properties/{quote(name, safe='')}")

    async def upsert_remote_link(self, key: str, global_id: str, url: str, title: str) -> None:
        """Same ``global_id`` updates the existing link instead of adding another."""
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        await self.request("POST", f"{issue_path(key)}/remotelink", json=body, idempotent=True)

    async def remote_link(self, key: str, global_id: str) -> dict[str, Any]:
        """The issue's remote link with ``global_id`` (``NotFound``: it has none)."""
        path = f"{issue_path(key)}/remotelink"
        return obj(await self.request("GET", path, params={"globalId": global_id}), "GET", path)

    async def delete_remote_link(self, key: str, global_id: str) -> None:
        await self.request(
            "DELETE",
            f"{issue_path(key)}/remotelink",
            params={"globalId": global_id},
            idempotent=True,
        )

    async def search(
        self,
        jql: str,
        fields: list[str] | None = None,
        page_size: int = 100,
        properties: list[str] | None = None,
    ) -> AsyncIterator[Issue]:
        """Every issue matching a bounded ``jql``, page by page (``search_page``)."""
        at: Any = None
        while True:
            found, at = await self.search_page(jql, fields or ["id"], page_size, properties, at)
            for issue in found:
                yield issue
            if at is None:
                return

    async def search_page(
        self, jql: str, fields: list[str], size: int, properties: list[str] | None, at: Any
    ) -> tuple[list[Issue], Any]:
        """One page of ``search/jql`` after ``at`` (a ``nextPageToken``; None: the first),
        and the next page's token (None after the last)."""
        body: dict[str, Any] = {"jql": jql, "maxResults": size, "fields": fields}
        if properties:
            body["properties"] = properties
        if at:
            body["nextPageToken"] = at
        path = f"{API}/search/jql"
        page = obj(await self.request("POST", path, json=body, idempotent=True), "POST", path)
        found = [valid(Issue, item, "POST", path) for item in items(page, "POST", path, "issues")]
        token = page.get("nextPageToken")
        if token is not None and not isinstance(token, str):
            raise unexpected("POST", path, page, "nextPageToken is not a string")
        return found, None if page.get("isLast", token is None) or not token else token

    async def any_match(self, jql: str, reconcile: list[str] | None = None) -> bool:
        """Whether ``jql`` matches any issue: one search, one result, no fields. The ids in
        ``reconcile`` are read fresh (``reconcileIssues``: JIRA's read-after-write option,
        https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/)."""
        body: dict[str, Any] = {"jql": jql, "maxResults": 1, "fields": ["id"]}
        if reconcile:
            body["reconcileIssues"] = [int(i) for i in reconcile]
        path = f"{API}/search/jql"
        page = obj(await self.request("POST", path, json=body, idempotent=True), "POST", path)
        return bool(items(page, "POST", path, "issues"))

    async def changelog(self, key: str, page_size: int = 100) -> AsyncIterator[ChangelogEntry]:
        """The issue's history, oldest first."""
        start = 0
        while True:
            params: Params = {"startAt": start, "maxResults": page_size}
            path = f"{issue_path(key)}/changelog"
            page = obj(await self.request("GET", path, params=params), "GET", path)
            values = items(page, "GET", path, "values")
            for item in values:
                yield valid(ChangelogEntry, item, "GET", path)
            start += len(values)
            if page.get("isLast", True) or not values:
                return

    async def myself(self) -> User:
        return valid(User, await self.request("GET", f"{API}/myself"), "GET", f"{API}/myself")

    async def server_info(self) -> dict[str, Any]:
        return obj(await self.request("GET", f"{API}/serverInfo"), "GET", f"{API}/serverInfo")

    async def fields(self) -> list[dict[str, Any]]:
        return objects(await self.request("GET", f"{API}/field"), "GET", f"{API}/field")

    async def priorities(self) -> list[dict[str, Any]]:
        return objects(await self.request("GET", f"{API}/priority"), "GET", f"{API}/priority")

    async def find_users(self, query: str) -> list[User]:
        path = f"{API}/user/search"
        answer = await self.request("GET", path, params={"query": query})
        return [valid(User, item, "GET", path) for item in items(answer, "GET", path)]


def _have(permission: Any) -> bool:
    return isinstance(permission, dict) and permission.get("havePermission") is True
