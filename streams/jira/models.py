"""Typed views of what JIRA REST v3 answers. Unknown keys are kept, not rejected."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Exactly what ``strptime(..., "%Y-%m-%dT%H:%M:%S.%f%z")`` takes in JIRA's answers, which
# ``fromisoformat`` reads the same about 10x faster (every issue read parses a few).
_JIRA_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"  # date and time
    r"\.[0-9]{1,6}[+-][0-9]{4}"  # fraction (%f: 1 to 6 digits) and offset (%z: +HHMM)
)


def parse_jira_time(value: Any) -> datetime | None:
    """JIRA's ``2024-01-01T12:00:00.000+0000`` as an aware datetime (None stays None)."""
    if not value:
        return None
    text = str(value)
    if _JIRA_TIME.fullmatch(text):
        return datetime.fromisoformat(text)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Issue(_Answer):
    id: str
    key: str | None = None
    self_url: str | None = Field(default=None, alias="self")
    fields: dict[str, Any] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)
    changelog: dict[str, Any] | None = None

    @property
    def updated(self) -> str | None:
        value = self.fields.get("updated")
        return str(value) if value is not None else None


class CreatedIssue(_Answer):
    id: str
    key: str
    self_url: str = Field(alias="self")


class StatusRef(_Answer):
    id: str | None = None
    name: str


class Transition(_Answer):
    id: str
    name: str
    to: StatusRef
    fields: dict[str, Any] = Field(default_factory=dict)

    def required_fields(self) -> list[str]:
        return [name for name, meta in self.fields.items() if meta.get("required")]


class Comment(_Answer):
    id: str
    body: dict[str, Any] | str | None = None
    author: dict[str, Any] | None = None
    created: str | None = None
    updated: str | None = None
    visibility: dict[str, Any] | None = None
    # False for a service-desk internal note (comment property ``sd.public.comment``
    # ``{"internal": true}``); JIRA answers True for every other comment
    jsd_public: bool | None = Field(default=None, alias="jsdPublic")

    @property
    def internal(self) -> bool:
        """Not for the other site: restricted to a role or group, or a service-desk
        internal note."""
        return bool(self.visibility) or self.jsd_public is False


class ChangelogEntry(_Answer):
    id: str
    created: str | None = None
    author: dict[str, Any] | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)


class User(_Answer):
    account_id: str = Field(alias="accountId")
    display_name: str | None = Field(default=None, alias="displayName")
    email_address: str | None = Field(default=None, alias="emailAddress")
    active: bool = True


class Attachment(_Answer):
    """An attachment's metadata (``fields.attachment`` items, upload answers, ``GET
    /attachment/{id}``, which gives the id as a number)."""

    id: str
    filename: str
    size: int
    mime_type: str | None = Field(default=None, alias="mimeType")
    author: dict[str, Any] | None = None
    created: str | None = None
    content: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class IssueLinkType(_Answer):
    id: str
    name: str
    inward: str
    outward: str


class IssueLink(_Answer):
    """One of ``fields.issuelinks``: the other issue is ``outward_issue`` (this issue
    ``type.outward`` it) or ``inward_issue`` (it ``type.outward`` this issue)."""

    id: str
    type: IssueLinkType
    inward_issue: dict[str, Any] | None = Field(default=None, alias="inwardIssue")
    outward_issue: dict[str, Any] | None = Field(default=None, alias="outwardIssue")


class Worklog(_Answer):
    """Time logged on an issue (``GET /issue/{key}/worklog`` items): ``properties`` only
    with ``expand=properties``, as ``[{key, value}]``."""

    id: str
    author: dict[str, Any] | None = None
    update_author: dict[str, Any] | None = Field(default=None, alias="updateAuthor")
    started: str | None = None
    time_spent_seconds: int = Field(default=0, alias="timeSpentSeconds")
    comment: dict[str, Any] | None = None
    visibility: dict[str, Any] | None = None
    properties: list[dict[str, Any]] = Field(default_factory=list)

    def entity_property(self, key: str) -> Any:
        """The value of entity property ``key`` (None: not set, or not expanded)."""
        return next((p.get("value") for p in self.properties if p.get("key") == key), None)

    @property
    def author_id(self) -> str | None:
        return (self.author or {}).get("accountId")
