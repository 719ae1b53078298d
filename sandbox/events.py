"""Webhook bodies shaped like JIRA Cloud's real deliveries (``shared/reference/webhooks``).

Rich text is a wiki-style string, not ADF; actors carry no email; comment events carry
a trimmed ``issue`` and no ``user``. Pure: the caller supplies the moment.
"""

from __future__ import annotations

from typing import Any

from sandbox import adf
from sandbox.clock import jira_time
from sandbox.model import ChangeItem, Comment, Issue
from sandbox.users import Directory, User

TRIMMED_FIELDS = ("summary", "issuetype", "project", "assignee", "priority", "status")


class Payloads:
    def __init__(self, base_url: str, users: Directory) -> None:
        self.base = base_url
        self.users = users

    def issue_event(
        self,
        event: str,
        type_name: str,
        issue: Issue,
        actor: User,
        at_ms: int,
        changelog: tuple[str, list[ChangeItem]] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "timestamp": at_ms,
            "webhookEvent": event,
            "issue_event_type_name": type_name,
            "user": actor.actor(self.base),
            "issue": self.issue(issue, trimmed=False),
        }
        if changelog is not None:
            changelog_id, items = changelog
            body["changelog"] = {"id": changelog_id, "items": [i.webhook() for i in items]}
        return body

    def comment_event(
        self, event: str, issue: Issue, comment: Comment, at_ms: int
    ) -> dict[str, Any]:
        return {
            "timestamp": at_ms,
            "webhookEvent": event,
            "comment": self.comment(issue, comment),
            "issue": self.issue(issue, trimmed=True),
        }

    def issue_commented(
        self, type_name: str, issue: Issue, comment: Comment, actor: User, at_ms: int
    ) -> dict[str, Any]:
        """The ``jira:issue_updated`` JIRA also sends for comment changes."""
        body = self.issue_event("jira:issue_updated", type_name, issue, actor, at_ms)
        body["comment"] = self.comment(issue, comment)
        return body

    def issue(self, issue: Issue, *, trimmed: bool) -> dict[str, Any]:
        fields = dict(issue.fields)
        if trimmed:
            fields = {name: fields.get(name) for name in TRIMMED_FIELDS}
        for name, value in fields.items():  # description and textarea fields: wiki text
            if adf.looks_like_document(value):
                fields[name] = adf.to_wiki(value)
        return {
            "id": issue.id,
            "self": f"{self.base}/rest/api/2/issue/{issue.id}",
            "key": issue.key,
            "fields": fields,
        }

    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.base}/rest/api/2/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": self._person(comment.author_id),
            "body": comment.body if isinstance(comment.body, str) else adf.to_wiki(comment.body),
            "updateAuthor": self._person(comment.update_author_id),
            "created": jira_time(comment.created_ms),
            "updated": jira_time(comment.updated_ms),
            "jsdPublic": comment.jsd_public,  # as JIRA's comment webhooks carry it
        }
        if comment.visibility is not None:
            body["visibility"] = comment.visibility
        return body

    def _person(self, account_id: str) -> dict[str, Any]:
        user = self.users.get(account_id)
        if user is None:
            return {"accountId": account_id, "displayName": "Former user", "active": False}
        return user.details(self.base, api=2)
