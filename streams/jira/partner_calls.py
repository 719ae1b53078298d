"""The calls a partner connection adds to ``JiraClient``: attachments (streamed), issue
links and their types, and creating under a parent (sub-tasks, epics)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

from streams.jira import files
from streams.jira.answers import API, count, issue_path, items, obj, unexpected, valid
from streams.jira.models import Attachment, IssueLink, IssueLinkType
from streams.jira.transport import JiraTransport


class PartnerCalls:
    """Mixed into ``JiraClient``, which sets both attributes."""

    transport: JiraTransport
    request: Callable[..., Awaitable[Any]]

    async def add_attachment(
        self,
        key: str,
        filename: str,
        chunks: AsyncIterable[bytes],
        mime_type: str = "application/octet-stream",
    ) -> Attachment:
        """Attach one file, streamed from ``chunks`` (never read whole); a file over the
        site's limit raises ``files.AttachmentTooLarge``."""
        path = f"{issue_path(key)}/attachments"
        answer = await files.upload(self.transport, path, filename, chunks, mime_type)
        added = items(answer, "POST", path)
        if len(added) != 1:
            raise unexpected("POST", path, answer, "not one attachment")
        return valid(Attachment, added[0], "POST", path)

    async def attachment(self, attachment_id: str) -> Attachment:
        path = f"{API}/attachment/{quote(attachment_id, safe='')}"
        return valid(Attachment, await self.request("GET", path), "GET", path)

    def attachment_content(self, attachment_id: str) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive (JIRA's redirect to the media service followed)."""
        path = f"{API}/attachment/content/{quote(attachment_id, safe='')}"
        return files.download(self.transport, path)

    async def media_id(self, attachment_id: str) -> str | None:
        """The media file id ADF media nodes use for this attachment (None: not told)."""
        return await files.media_id(
            self.transport, f"{API}/attachment/content/{quote(attachment_id, safe='')}"
        )

    async def delete_attachment(self, attachment_id: str) -> None:
        await self.request("DELETE", f"{API}/attachment/{quote(attachment_id, safe='')}")

    async def attachment_limit(self) -> int | None:
        """The site's largest attachment in bytes (None: attachments are disabled)."""
        path = f"{API}/attachment/meta"
        answer = obj(await self.request("GET", path), "GET", path)
        if answer.get("enabled") is False:
            return None
        return count(answer.get("uploadLimit"), "GET", path)

    async def link_types(self) -> list[IssueLinkType]:
        """The site's issue link types (names, and inward/outward phrases, differ per site)."""
        path = f"{API}/issueLinkType"
        found = items(await self.request("GET", path), "GET", path, "issueLinkTypes")
        return [valid(IssueLinkType, item, "GET", path) for item in found]

    async def link_issues(self, type_name: str, source: str, target: str) -> None:
        """Link ``source`` to ``target`` so that ``source`` reads "<outward phrase> target"
        (Blocks: "source blocks target"). JIRA takes the subject as ``inwardIssue``, against
        what the names suggest: https://github.com/mozilla/jira-bugzilla-integration/pull/
        1285, https://github.com/iloom-ai/iloom-cli/issues/617. A link that exists already
        is answered as created, so this is idempotent."""
        body = {
            "type": {"name": type_name},
            "inwardIssue": {"key": source},
            "outwardIssue": {"key": target},
        }
        await self.request("POST", f"{API}/issueLink", json=body, idempotent=True)

    async def issue_links(self, key: str) -> list[IssueLink]:
        """``fields.issuelinks`` of ``key``: each link with its id, for ``delete_link``."""
        path = issue_path(key)
        answer = obj(await self.request("GET", path, params={"fields": "issuelinks"}), "GET", path)
        found = items(obj(answer.get("fields") or {}, "GET", path), "GET", path, "issuelinks")
        return [valid(IssueLink, item, "GET", path) for item in found]

    async def delete_link(self, link_id: str) -> None:
        await self.request("DELETE", f"{API}/issueLink/{quote(link_id, safe='')}")
