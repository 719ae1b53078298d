"""One error hierarchy for JIRA calls: retryable or permanent, carrying JIRA's own words."""

from __future__ import annotations

import math
import re
from typing import Any

NOT_ON_SCREEN = re.compile(r"not on the appropriate screen", re.IGNORECASE)
# The longest ``Retry-After`` honoured: JIRA Cloud sends seconds, and a few at most
# (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/); a larger value, from
# a proxy or a hostile answer, would stall every request of the site for as long.
MAX_RETRY_AFTER = 300.0


def retry_after_seconds(value: object) -> float | None:
    """``Retry-After`` as seconds in ``[0, MAX_RETRY_AFTER]``; None when it is absent, not a
    number of seconds, or not finite (``inf``, ``nan``): a wait never grows without bound."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]  # str or number; anything else fails
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


class JiraError(Exception):
    """A JIRA call that did not succeed. ``retryable`` tells the applier what to do."""

    retryable = False

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}
        super().__init__(self.describe())

    def describe(self) -> str:
        said = self.messages + [f"{field}: {text}" for field, text in self.errors.items()]
        status = f"HTTP {self.status}" if self.status is not None else "no answer"
        detail = "; ".join(said) if said else "no message"
        return f"{self.method} {self.path}: {status}: {detail}"


class RetryableJiraError(JiraError):
    """Worth trying again later: 429, 5xx, timeouts, 409 conflicting update."""

    retryable = True

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after_seconds(retry_after)
        super().__init__(*args, **kwargs)


class RateLimited(RetryableJiraError):
    """429: wait at least ``retry_after`` seconds."""


class ServerError(RetryableJiraError):
    """5xx from JIRA."""


class ConflictingUpdate(RetryableJiraError):
    """409: another update to the same issue was in progress."""


class JiraUnavailable(RetryableJiraError):
    """No answer: timeout or connection failure."""


class UnexpectedAnswer(RetryableJiraError):
    """A success status with a body that is not what the API documents for the call: an
    HTML page (a proxy, a maintenance or login page), a list where an object belongs,
    ``{}``. Retryable: such answers come from something between us and JIRA far more
    often than from JIRA itself, and a later read usually gets the real answer."""


class PermanentJiraError(JiraError):
    """Will fail the same way again: fix the data, the configuration or the permissions."""


class BadRequest(PermanentJiraError):
    """400: JIRA refused the values; ``errors`` maps field ids to JIRA's reasons."""

    @property
    def fields_not_on_screen(self) -> list[str]:
        return [field for field, text in self.errors.items() if NOT_ON_SCREEN.search(text)]


class Unauthorized(PermanentJiraError):
    """401: wrong email or API token."""


class Forbidden(PermanentJiraError):
    """403: the integration user lacks a permission."""


class NotFound(PermanentJiraError):
    """404: no such issue (or no permission to see it)."""


class Gone(PermanentJiraError):
    """410: the endpoint was removed (e.g. the old /rest/api/3/search)."""


PERMANENT_BY_STATUS: dict[int, type[PermanentJiraError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: Gone,
}


def error_for(
    method: str, path: str, status: int, body: Any, retry_after: float | None
) -> JiraError:
    """Map an unsuccessful answer to its error class, with JIRA's messages attached."""
    messages, errors = _jira_messages(body)
    if status == 429:
        return RateLimited(method, path, status, messages, errors, retry_after=retry_after)
    if status == 409:
        return ConflictingUpdate(method, path, status, messages, errors, retry_after=retry_after)
    if status >= 500:
        return ServerError(method, path, status, messages, errors, retry_after=retry_after)
    error_class = PERMANENT_BY_STATUS.get(status, PermanentJiraError)
    return error_class(method, path, status, messages, errors)


def _jira_messages(body: Any) -> tuple[list[str], dict[str, str]]:
    if not isinstance(body, dict):
        text = str(body).strip() if body else ""
        return ([text[:500]] if text else []), {}
    messages = [str(message) for message in body.get("errorMessages") or []]
    errors = {str(key): str(value) for key, value in (body.get("errors") or {}).items()}
    return messages, errors
