"""JIRA's error answers: ``{"errorMessages": [...], "errors": {...}}`` with its wording."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."
BAD_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."
NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of {limit:,} characters."


class JiraError(Exception):
    """An answer other than success; raised anywhere, turned into JIRA's error body."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {self.messages or self.errors}")

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=self.headers)


def bad_request(message: str) -> JiraError:
    return JiraError(400, [message])


def field_errors(errors: Mapping[str, str]) -> JiraError:
    return JiraError(400, errors=errors)


def not_found(message: str = ISSUE_NOT_FOUND) -> JiraError:
    return JiraError(404, [message])


def screen_message(field_id: str) -> str:
    return f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."
