"""A JIRA transport that answers in memory, for tests: no session, no network; a subclass
says what each request gets (``answered``), or raises JIRA's error."""

from __future__ import annotations

from typing import Any

from streams.jira.transport import JiraTransport, Params


class Scripted(JiraTransport):
    def __init__(self) -> None:  # no session: nothing is sent
        pass

    async def request(self, method: str, path: str, **asked: Any) -> Any:
        return await self.answered(method, path, asked.get("params"), asked.get("json"))

    async def answered(self, method: str, path: str, params: Params | None, json: Any) -> Any:
        raise NotImplementedError
