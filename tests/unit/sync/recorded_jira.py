"""JIRA exchanges noted and answered again, for tests that check the applier asks JIRA the
same when JIRA answers the same (the journal no longer holds exchanges: its events do)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from streams.jira import errors as jira_errors
from streams.jira.errors import JiraError, RetryableJiraError
from streams.jira.transport import Params
from tests.unit.jira.scripted import Scripted


class Diverged(Exception):
    """The step asked for something it did not ask the first time."""


def plain(value: Any) -> Any:
    """As JSON would give it back (tuples become lists), so requests compare."""
    return json.loads(json.dumps(value)) if value is not None else None


def error_to_json(error: JiraError) -> dict[str, Any]:
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return {"type": type(error).__name__, "method": error.method, "path": error.path,
            "status": error.status, "messages": error.messages, "errors": error.errors,
            "retry_after": after}  # fmt: skip


def error_from_json(raw: Mapping[str, Any]) -> JiraError:
    kind = getattr(jira_errors, str(raw.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, JiraError)):
        kind = jira_errors.PermanentJiraError
    args = (raw["method"], raw["path"], raw.get("status"), raw.get("messages"), raw.get("errors"))
    if issubclass(kind, RetryableJiraError):
        return kind(*args, retry_after=raw.get("retry_after"))
    return kind(*args)


def request_entry(
    site: int, method: str, path: str, params: Params | None, body: Any
) -> dict[str, Any]:
    return {"site": site, "method": method.upper(), "path": path, "params": plain(params),
            "json": plain(body)}  # fmt: skip


class Exchanges:
    """Noted exchanges, consumed in order."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._entries = list(entries)
        self._next = 0

    def take(self, what: str, expected: Mapping[str, Any]) -> dict[str, Any]:
        if self._next >= len(self._entries):
            raise Diverged(f"asked for {what}, never asked before")
        entry = self._entries[self._next]
        if any(entry.get(name) != value for name, value in expected.items()):
            raise Diverged(f"asked for {what}; asked {entry.get('method')} {entry.get('path')}")
        self._next += 1
        return entry

    def left(self) -> int:
        return len(self._entries) - self._next


class ReplayTransport(Scripted):
    """JIRA answering from noted exchanges; nothing is sent."""

    def __init__(self, site: int, exchanges: Exchanges) -> None:
        self.site = site
        self.exchanges = exchanges

    async def answered(self, method: str, path: str, params: Params | None, json: Any) -> Any:
        expected = request_entry(self.site, method, path, params, json)
        entry = self.exchanges.take(f"{method.upper()} {path} on site {self.site}", expected)
        if "error" in entry:
            raise error_from_json(entry["error"])
        return entry.get("answer")
