"""The site's mutable state: issues with their comments, properties, links and history."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import jira_time


@dataclass(frozen=True)
class ChangeItem:
    field: str
    fieldtype: str
    field_id: str | None  # None: the item has no ``fieldId`` (IssueParentAssociation)
    from_id: str | None = None
    from_string: str | None = None
    to_id: str | None = None
    to_string: str | None = None

    def webhook(self) -> dict[str, Any]:
        body = {
            "field": self.field,
            "fieldtype": self.fieldtype,
            "fieldId": self.field_id,
            "from": self.from_id,
            "fromString": self.from_string,
            "to": self.to_id,
            "toString": self.to_string,
        }
        if self.field_id is None:
            del body["fieldId"]
        return body

    def rest(self) -> dict[str, Any]:
        """REST v3's ``ChangeDetails`` declares no nulls: absent values are left out."""
        return {key: value for key, value in self.webhook().items() if value is not None}


@dataclass(frozen=True)
class ChangeGroup:
    id: str
    author_id: str
    created_ms: int
    items: tuple[ChangeItem, ...]


INTERNAL_NOTE = "sd.public.comment"


@dataclass
class Comment:
    """A comment with its entity properties (``/rest/api/3/comment/{id}/properties``).

    A service-desk internal note has no ``visibility``: it is the comment property
    ``sd.public.comment`` ``{"internal": true}``, read back as ``jsdPublic: false``; comments
    made through the platform API are public unless created with that property
    (https://github.com/pycontribs/jira/issues/313,
    https://github.com/jenkinsci/jira-plugin/issues/375,
    https://github.com/atlassian/atlassian-mcp-server/issues/139; OpenAPI ``Comment.jsdPublic``:
    "Defaults to true when comments are created in the Jira Cloud Platform").
    """

    id: str
    issue_id: str
    author_id: str
    body: dict[str, Any] | str  # ADF; a Data Center site's wiki markup string
    created_ms: int
    updated_ms: int
    update_author_id: str
    visibility: dict[str, Any] | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def jsd_public(self) -> bool:
        marker = self.properties.get(INTERNAL_NOTE)
        return not (isinstance(marker, dict) and marker.get("internal") is True)


@dataclass
class Worklog:
    """Time logged on an issue (``/rest/api/3/issue/{k}/worklog``): its author is always
    the account that logged it (REST cannot set it), ``comment`` an ADF document (Cloud),
    wiki markup (a Data Center site, ``sandbox.dc_worklogs``) or None."""

    id: str
    issue_id: str
    author_id: str
    started: str  # as JIRA answers it: 2021-01-17T12:34:00.000+0000
    seconds: int
    comment: dict[str, Any] | str | None
    created_ms: int
    updated_ms: int
    update_author_id: str
    visibility: dict[str, Any] | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteLink:
    id: int
    global_id: str | None
    body: dict[str, Any]


@dataclass
class Issue:
    id: str
    key: str
    fields: dict[str, Any]
    created_ms: int
    updated_ms: int
    properties: dict[str, Any] = field(default_factory=dict)
    changelog: list[ChangeGroup] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)
    worklogs: list[Worklog] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])

    def touch(self, epoch_ms: int) -> None:
        self.updated_ms = epoch_ms
        self.fields["updated"] = jira_time(epoch_ms)

    def comment(self, comment_id: str) -> Comment | None:
        return next((c for c in self.comments if c.id == comment_id), None)

    def worklog(self, worklog_id: str) -> Worklog | None:
        return next((w for w in self.worklogs if w.id == worklog_id), None)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.id,
            self.key,
            copy.deepcopy(self.fields),
            self.created_ms,
            self.updated_ms,
            copy.deepcopy(self.properties),
        )


@dataclass(frozen=True)
class Snapshot:
    """An issue as the search index saw it at one moment."""

    id: str
    key: str
    fields: dict[str, Any]
    created_ms: int
    updated_ms: int
    properties: dict[str, Any]

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])
