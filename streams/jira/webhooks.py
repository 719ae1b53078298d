"""One model of JIRA webhook bodies, shared by the ingress, the engine and the emulator.

Accepts JIRA Cloud and Server deliveries (``../shared/reference/webhooks``). Unknown keys
are kept (``extra="allow"``) so nothing of the raw payload is lost; only what the sync
relies on is typed. Rich text (description, comment body) arrives as plain/wiki strings.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

COMMENT_SELF = re.compile(r"/issue/(\d+)/comment/\d+")


class WebhookError(ValueError):
    """The body is not a JIRA webhook; ``reason`` says why (answer 400)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class EventKind(StrEnum):
    ISSUE_CREATED = "jira:issue_created"
    ISSUE_UPDATED = "jira:issue_updated"
    ISSUE_DELETED = "jira:issue_deleted"
    COMMENT_CREATED = "comment_created"
    COMMENT_UPDATED = "comment_updated"
    COMMENT_DELETED = "comment_deleted"
    WORKLOG_CREATED = "worklog_created"
    WORKLOG_UPDATED = "worklog_updated"
    WORKLOG_DELETED = "worklog_deleted"


SYNCED_EVENTS = frozenset(kind.value for kind in EventKind)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class WebhookUser(_Open):
    account_id: str | None = Field(default=None, alias="accountId")
    display_name: str | None = Field(default=None, alias="displayName")
    email_address: str | None = Field(default=None, alias="emailAddress")
    name: str | None = None

    @property
    def id(self) -> str | None:
        """Who it is to the sync: the accountId, or a Data Center user's username."""
        return self.account_id or self.name


class ChangelogItem(_Open):
    field: str
    fieldtype: str | None = None
    field_id: str | None = Field(default=None, alias="fieldId")
    from_value: str | None = Field(default=None, alias="from")
    from_string: str | None = Field(default=None, alias="fromString")
    to_value: str | None = Field(default=None, alias="to")
    to_string: str | None = Field(default=None, alias="toString")


class Changelog(_Open):
    id: str | None = None
    items: list[ChangelogItem] = Field(default_factory=list)


class WebhookIssue(_Open):
    id: str | None = None
    key: str | None = None
    self_url: str | None = Field(default=None, alias="self")
    fields: dict[str, Any] = Field(default_factory=dict)


class WebhookComment(_Open):
    id: str
    self_url: str | None = Field(default=None, alias="self")
    body: str | dict[str, Any] | None = None
    author: WebhookUser | None = None
    update_author: WebhookUser | None = Field(default=None, alias="updateAuthor")
    created: str | None = None
    updated: str | None = None
    visibility: dict[str, Any] | None = None
    jsd_public: bool | None = Field(default=None, alias="jsdPublic")  # False: internal note

    @property
    def internal(self) -> bool:
        return bool(self.visibility) or self.jsd_public is False


class WebhookWorklog(_Open):
    """A worklog event's worklog: its issue by id only (no key, no ``issue``)."""

    id: str
    issue_id: str | None = Field(default=None, alias="issueId")
    author: WebhookUser | None = None
    update_author: WebhookUser | None = Field(default=None, alias="updateAuthor")


class JiraWebhook(_Open):
    timestamp: int
    webhook_event: str = Field(alias="webhookEvent", min_length=1)
    issue_event_type_name: str | None = None
    user: WebhookUser | None = None
    issue: WebhookIssue | None = None
    changelog: Changelog | None = None
    comment: WebhookComment | None = None
    worklog: WebhookWorklog | None = None

    @property
    def synced(self) -> bool:
        """An issue or comment event the sync acts on (others are accepted and ignored)."""
        return self.webhook_event in SYNCED_EVENTS

    @property
    def issue_id(self) -> str | None:
        """The issue's id; comment events of JIRA Server carry it only in ``comment.self``."""
        if self.issue is not None and self.issue.id:
            return self.issue.id
        if self.comment is not None and self.comment.self_url:
            match = COMMENT_SELF.search(self.comment.self_url)
            if match:
                return match.group(1)
        if self.worklog is not None and self.worklog.issue_id:
            return self.worklog.issue_id
        return None


def parse_webhook(body: bytes | str | dict[str, Any]) -> JiraWebhook:
    """Parse and check a webhook body; raise ``WebhookError`` with the reason."""
    document = body if isinstance(body, dict) else _json(body)
    if not isinstance(document, dict):
        raise WebhookError("a JIRA webhook body is a JSON object")
    for required in ("webhookEvent", "timestamp"):
        if required not in document:
            raise WebhookError(f"not a JIRA webhook: '{required}' is missing")
    try:
        webhook = JiraWebhook.model_validate(document)
    except ValidationError as error:
        raise WebhookError(_first_problem(error)) from None
    if webhook.synced and webhook.issue_id is None:
        raise WebhookError(
            f"{webhook.webhook_event} names no issue (issue.id, comment.self or worklog.issueId)"
        )
    if webhook.webhook_event.startswith("comment_") and webhook.comment is None:
        raise WebhookError(f"{webhook.webhook_event} has no 'comment'")
    if webhook.webhook_event.startswith("worklog_") and webhook.worklog is None:
        raise WebhookError(f"{webhook.webhook_event} has no 'worklog'")
    return webhook


def _json(body: bytes | str) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookError(f"body is not JSON: {error}") from None


def _first_problem(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"])
    return f"not a JIRA webhook: {where}: {item['msg']}"
