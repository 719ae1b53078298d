"""Webhook bodies of a Data Center site: Cloud's shapes (``sandbox.events``) with users by
``name`` and ``key`` (no accountId) and rich text as the wiki markup it is stored as.

Compared with the Server payloads in ``shared/reference/webhooks`` (``webhook-server-*``:
``user``, ``comment.author`` with name/key/emailAddress, ``issue_event_type_name``).
"""

from __future__ import annotations

from typing import Any

from sandbox import dc_users
from sandbox.clock import jira_time
from sandbox.config import SiteConfig
from sandbox.events import Payloads
from sandbox.model import ChangeItem, Comment, Issue
from sandbox.users import Directory, User


def payloads_for(config: SiteConfig, users: Directory) -> Payloads:
    if config.flavour == "datacenter":
        return DcPayloads(config.base_url, users)
    return Payloads(config.base_url, users)


class DcPayloads(Payloads):
    def issue_event(
        self,
        event: str,
        type_name: str,
        issue: Issue,
        actor: User,
        at_ms: int,
        changelog: tuple[str, list[ChangeItem]] | None = None,
    ) -> dict[str, Any]:
        body = super().issue_event(event, type_name, issue, actor, at_ms, changelog)
        body["user"] = dc_users.details(actor, self.base, own=True)
        if "changelog" in body:
            body["changelog"] = dc_users.keyed_changelog(body["changelog"], self.users)
        return body

    def comment_event(
        self, event: str, issue: Issue, comment: Comment, at_ms: int
    ) -> dict[str, Any]:
        """As ``webhook-server-comment-*``: no ``issue`` (``comment.self`` names it); an
        edit names its ``user`` (the comment's update author); a creation names none."""
        body = super().comment_event(event, issue, comment, at_ms)
        del body["issue"]
        if event == "comment_updated":
            body["user"] = self._dc_person(comment.update_author_id)
        return body

    def issue(self, issue: Issue, *, trimmed: bool) -> dict[str, Any]:
        body = super().issue(issue, trimmed=trimmed)
        body["fields"] = dc_users.translate(body["fields"], self.users, self.base)
        return body

    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.base}/rest/api/2/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": self._dc_person(comment.author_id),
            "body": comment.body,
            "updateAuthor": self._dc_person(comment.update_author_id),
            "created": jira_time(comment.created_ms),
            "updated": jira_time(comment.updated_ms),
        }
        if comment.visibility is not None:
            body["visibility"] = comment.visibility
        return body

    def _dc_person(self, account_id: str) -> dict[str, Any]:
        return dict(dc_users.translate({"accountId": account_id}, self.users, self.base))
