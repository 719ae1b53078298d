"""``JiraClient``: the REST v3 calls a sync needs, over the one request primitive."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from streams.jira.errors import Forbidden
from streams.jira.models import ChangelogEntry, Comment, CreatedIssue, Issue, Transition, User
from streams.jira.transport import JiraTransport, Params

API = "/rest/api/3"
log = logging.getLogger(__name__)
# JIRA Cloud's 403 to ``notifyUsers=false`` from an account that is neither site admin
# nor project admin (the edit is not applied): see ``may_discard_notifications``.
DISCARD_REFUSED = "discard the user notification"
ADMIN_PERMISSIONS = ("ADMINISTER", "ADMINISTER_PROJECTS")


def _issue(key: str) -> str:
    return f"{API}/issue/{quote(key, safe='')}"


class JiraClient:
    def __init__(self, transport: JiraTransport) -> None:
        self.transport = transport
        self.request = transport.request
        # May edits ask JIRA not to email watchers? None: not known yet (try, fall back).
        self.discards_notifications: bool | None = None

    async def may_discard_notifications(self, project_key: str) -> bool:
        """Whether this account may send ``notifyUsers=false`` in ``project_key``: JIRA
        allows it to a site admin (ADMINISTER) or a project admin (ADMINISTER_PROJECTS)
        only. Remembered for ``edit_issue``. https://developer.atlassian.com/cloud/jira/
        platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put"""
        params = {"projectKey": project_key, "permissions": ",".join(ADMIN_PERMISSIONS)}
        answer = await self.request("GET", f"{API}/mypermissions", params=params)
        held = answer.get("permissions") if isinstance(answer, dict) else None
        held = held if isinstance(held, dict) else {}
        allowed = any(_have(held.get(key)) for key in ADMIN_PERMISSIONS)
        self.discards_notifications = allowed
        return allowed

    async def get_issue(
        self,
        key: str,
        fields: list[str] | None = None,
        expand: list[str] | None = None,
        properties: list[str] | None = None,
    ) -> Issue:
        params: Params = {"fields": fields, "expand": expand, "properties": properties}
        return Issue.model_validate(await self.request("GET", _issue(key), params=params))

    async def create_issue(
        self,
        fields: dict[str, Any],
        properties: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
    ) -> CreatedIssue:
        """Create, with issue properties set atomically (the sync's link marker)."""
        body: dict[str, Any] = {"fields": fields}
        if update:
            body["update"] = update
        if properties:
            body["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
        return CreatedIssue.model_validate(await self.request("POST", f"{API}/issue", json=body))

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
        if notify or self.discards_notifications is False:
            params = {"notifyUsers": True} if notify else None
            await self.request("PUT", _issue(key), params=params, json=body)
            return
        try:
            await self.request("PUT", _issue(key), params={"notifyUsers": False}, json=body)
        except Forbidden as error:
            if not any(DISCARD_REFUSED in message for message in error.messages):
                raise
            self.discards_notifications = False
            log.warning("JIRA refused notifyUsers=false: edits will notify watchers: %s", error)
            await self.request("PUT", _issue(key), json=body)

    async def delete_issue(self, key: str) -> None:
        await self.request("DELETE", _issue(key))

    async def transitions(self, key: str) -> list[Transition]:
        answer = await self.request(
            "GET", f"{_issue(key)}/transitions", params={"expand": ["transitions.fields"]}
        )
        return [Transition.model_validate(item) for item in answer.get("transitions", [])]

    async def transition(
        self, key: str, transition_id: str, fields: dict[str, Any] | None = None
    ) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        await self.request("POST", f"{_issue(key)}/transitions", json=body)

    async def comments(self, key: str, page_size: int = 50) -> AsyncIterator[Comment]:
        start = 0
        while True:
            params: Params = {"startAt": start, "maxResults": page_size, "orderBy": "created"}
            page = await self.request("GET", f"{_issue(key)}/comment", params=params)
            items = page.get("comments", [])
            for item in items:
                yield Comment.model_validate(item)
            start += len(items)
            if not items or start >= page.get("total", 0):
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
        return Comment.model_validate(
            await self.request("POST", f"{_issue(key)}/comment", json=payload)
        )

    async def comment(self, key: str, comment_id: str) -> Comment:
        path = f"{_issue(key)}/comment/{quote(comment_id, safe='')}"
        return Comment.model_validate(await self.request("GET", path))

    async def update_comment(self, key: str, comment_id: str, body: dict[str, Any]) -> Comment:
        path = f"{_issue(key)}/comment/{quote(comment_id, safe='')}"
        return Comment.model_validate(await self.request("PUT", path, json={"body": body}))

    async def delete_comment(self, key: str, comment_id: str) -> None:
        await self.request("DELETE", f"{_issue(key)}/comment/{quote(comment_id, safe='')}")

    async def get_property(self, key: str, name: str) -> Any:
        answer = await self.request("GET", f"{_issue(key)}/properties/{quote(name, safe='')}")
        return answer.get("value") if isinstance(answer, dict) else None

    async def set_property(self, key: str, name: str, value: Any) -> None:
        await self.request("PUT", f"{_issue(key)}/properties/{quote(name, safe='')}", json=value)

    async def delete_property(self, key: str, name: str) -> None:
        await self.request("DELETE", f"{_issue(key)}/properties/{quote(name, safe='')}")

    async def upsert_remote_link(self, key: str, global_id: str, url: str, title: str) -> None:
        """Same ``global_id`` updates the existing link instead of adding another."""
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        await self.request("POST", f"{_issue(key)}/remotelink", json=body, idempotent=True)

    async def delete_remote_link(self, key: str, global_id: str) -> None:
        await self.request(
            "DELETE", f"{_issue(key)}/remotelink", params={"globalId": global_id}, idempotent=True
        )

    async def search(
        self,
        jql: str,
        fields: list[str] | None = None,
        page_size: int = 100,
        properties: list[str] | None = None,
    ) -> AsyncIterator[Issue]:
        """Every issue matching a bounded ``jql``, page by page (``nextPageToken``)."""
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "maxResults": page_size, "fields": fields or ["id"]}
            if properties:
                body["properties"] = properties
            if token:
                body["nextPageToken"] = token
            page = await self.request("POST", f"{API}/search/jql", json=body, idempotent=True)
            for item in page.get("issues", []):
                yield Issue.model_validate(item)
            token = page.get("nextPageToken")
            if page.get("isLast", token is None) or not token:
                return

    async def changelog(self, key: str, page_size: int = 100) -> AsyncIterator[ChangelogEntry]:
        """The issue's history, oldest first."""
        start = 0
        while True:
            params: Params = {"startAt": start, "maxResults": page_size}
            page = await self.request("GET", f"{_issue(key)}/changelog", params=params)
            values = page.get("values", [])
            for item in values:
                yield ChangelogEntry.model_validate(item)
            start += len(values)
            if page.get("isLast", True) or not values:
                return

    async def myself(self) -> User:
        return User.model_validate(await self.request("GET", f"{API}/myself"))

    async def server_info(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self.request("GET", f"{API}/serverInfo")
        return answer

    async def fields(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self.request("GET", f"{API}/field")
        return answer

    async def priorities(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self.request("GET", f"{API}/priority")
        return answer

    async def find_users(self, query: str) -> list[User]:
        answer = await self.request("GET", f"{API}/user/search", params={"query": query})
        return [User.model_validate(item) for item in answer]


def _have(permission: Any) -> bool:
    return isinstance(permission, dict) and permission.get("havePermission") is True
