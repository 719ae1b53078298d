"""The worklog calls of ``JiraClient`` (``/rest/api/3/issue/{key}/worklog``): an issue's
worklogs read page by page with their properties, one added, updated or deleted. The
author of a worklog is always the caller: REST cannot set it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

from streams.jira.answers import count, issue_path, items, obj, valid
from streams.jira.models import Worklog


class WorklogCalls:
    """Mixed into ``JiraClient``, which sets ``request``."""

    request: Callable[..., Awaitable[Any]]

    async def worklogs(self, key: str, page_size: int = 1000) -> AsyncIterator[Worklog]:
        """Every worklog of issue ``key``, oldest first, with its entity properties."""
        start, path = 0, f"{issue_path(key)}/worklog"
        while True:
            params = {"startAt": start, "maxResults": page_size, "expand": "properties"}
            page = obj(await self.request("GET", path, params=params), "GET", path)
            found = items(page, "GET", path, "worklogs")
            for item in found:
                yield valid(Worklog, item, "GET", path)
            start += len(found)
            if not found or start >= count(page.get("total"), "GET", path):
                return

    async def add_worklog(self, key: str, body: dict[str, Any]) -> Worklog:
        path = f"{issue_path(key)}/worklog"
        return valid(Worklog, await self.request("POST", path, json=body), "POST", path)

    async def update_worklog(self, key: str, worklog_id: str, body: dict[str, Any]) -> Worklog:
        path = f"{issue_path(key)}/worklog/{quote(worklog_id, safe='')}"
        return valid(Worklog, await self.request("PUT", path, json=body), "PUT", path)

    async def delete_worklog(self, key: str, worklog_id: str) -> None:
        await self.request("DELETE", f"{issue_path(key)}/worklog/{quote(worklog_id, safe='')}")
