"""``JiraClient``: the REST v3 calls a sync needs, over the one request primitive."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from streams.jira.errors import Forbidden, UnexpectedAnswer
from streams.jira.models import ChangelogEntry, Comment, CreatedIssue, Issue, Transition, User
from streams.jira.transport import JiraTransport, Params

API = "/rest/api/3"
log = logging.getLogger(__name__)
# JIRA Cloud's 403 to ``notifyUsers=false`` from an account that is neither site admin
# nor project admin (the edit is not applied): see ``may_discard_notifications``.
DISCARD_REFUSED = "discard the user notification"
ADMIN_PERMISSIONS = ("ADMINISTER", "ADMINISTER_PROJECTS")
Model = TypeVar("Model", bound=BaseModel)


def _unexpected(method: str, path: str, answer: Any, why: str) -> UnexpectedAnswer:
    shown = answer if isinstance(answer, str) else type(answer).__name__
    return UnexpectedAnswer(method, path, 200, [f"unexpected answer ({why}): {shown!s:.200}"])


def valid(model: type[Model], answer: Any, method: str, path: str) -> Model:
    """``answer`` as ``model``, or ``UnexpectedAnswer`` when it is not one."""
    try:
        return model.model_validate(answer)
    except ValidationError as error:
        raise _unexpected(method, path, answer, f"not a {model.__name__}: {error}") from None


def obj(answer: Any, method: str, path: str) -> dict[str, Any]:
    """``answer`` when it is a JSON object, else ``UnexpectedAnswer``."""
    if not isinstance(answer, dict):
        raise _unexpected(method, path, answer, "not a JSON object")
    return answer


def items(answer: Any, method: str, path: str, key: str | None = None) -> list[Any]:
    """The list ``answer`` holds (under ``key`` when given), else ``UnexpectedAnswer``."""
    found = obj(answer, method, path).get(key, []) if key is not None else answer
    if not isinstance(found, list):
        raise _unexpected(method, path, answer, f"no list{f' of {key}' if key else ''}")
    return found


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
        answer = await self.request("GET", _issue(key), params=params)
        return valid(Issue, answer, "GET", _issue(key))

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
        path = f"{_issue(key)}/transitions"
        answer = await self.request("GET", path, params={"expand": ["transitions.fields"]})
        return [
            valid(Transition, item, "GET", path)
            for item in items(answer, "GET", path, "transitions")
        ]

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
            path = f"{_issue(key)}/comment"
            page = obj(await self.request("GET", path, params=params), "GET", path)
            found = items(page, "GET", path, "comments")
            for item in found:
                yield valid(Comment, item, "GET", path)
            start += len(found)
            if not found or start >= _count(page.get("total"), "GET", path):
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
        path = f"{_issue(key)}/comment"
        return valid(Comment, await self.request("POST", path, json=payload), "POST", path)

    async def comment(self, key: str, comment_id: str) -> Comment:
        path = f"{_issue(key)}/comment/{quote(comment_id, safe='')}"
        return valid(Comment, await self.request("GET", path), "GET", path)

    async def update_comment(self, key: str, comment_id: str, body: dict[str, Any]) -> Comment:
        path = f"{_issue(key)}/comment/{quote(comment_id, safe='')}"
        return valid(Comment, await self.request("PUT", path, json={"body": body}), "PUT", path)

    async def delete_comment(self, key: str, comment_id: str) -> None:
        await self.request("DELETE", f"{_issue(key)}/comment/{quote(comment_id, safe='')}")

    async def get_property(self, key: str, name: str) -> Any:
        path = f"{_issue(key)}/properties/{quote(name, safe='')}"
        return obj(await self.request("GET", path), "GET", path).get("value")

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
            path = f"{API}/search/jql"
            page = obj(await self.request("POST", path, json=body, idempotent=True), "POST", path)
            for item in items(page, "POST", path, "issues"):
                yield valid(Issue, item, "POST", path)
            token = page.get("nextPageToken")
            if token is not None and not isinstance(token, str):
                raise _unexpected("POST", path, page, "nextPageToken is not a string")
            if page.get("isLast", token is None) or not token:
                return

    async def changelog(self, key: str, page_size: int = 100) -> AsyncIterator[ChangelogEntry]:
        """The issue's history, oldest first."""
        start = 0
        while True:
            params: Params = {"startAt": start, "maxResults": page_size}
            path = f"{_issue(key)}/changelog"
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
        return _objects(await self.request("GET", f"{API}/field"), "GET", f"{API}/field")

    async def priorities(self) -> list[dict[str, Any]]:
        return _objects(await self.request("GET", f"{API}/priority"), "GET", f"{API}/priority")

    async def find_users(self, query: str) -> list[User]:
        path = f"{API}/user/search"
        answer = await self.request("GET", path, params={"query": query})
        return [valid(User, item, "GET", path) for item in items(answer, "GET", path)]


def _objects(answer: Any, method: str, path: str) -> list[dict[str, Any]]:
    return [obj(item, method, path) for item in items(answer, method, path)]


def _count(value: Any, method: str, path: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise _unexpected(method, path, value, "total is not a number")
    return value


def _have(permission: Any) -> bool:
    return isinstance(permission, dict) and permission.get("havePermission") is True
