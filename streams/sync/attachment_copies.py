"""The attachment effects, each what JIRA answered: both issues' files listed
(``AttachmentsListed``, for ``streams.sync.attachment_plan`` to judge), a file streamed from
one site to the other (downloaded and uploaded chunk by chunk, its sha256 taken on the
way: never whole in memory), two files hashed the same way to learn whether one is the
other's copy, a copy deleted. A copy JIRA failed (a 5xx, a time-out: it may
have been made) is not sent again here: the pair's retry lists both sides again, and the
plan takes a file of the same name and size on the target as the copy instead, once
their bytes hash the same."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from streams.jira.errors import JiraError, NotFound, PermanentJiraError, RetryableJiraError
from streams.jira.files import AttachmentTooLarge
from streams.jira.models import Attachment
from streams.sites import SiteNumber
from streams.sync.attachment_actions import (
    AttachmentAction,
    AttachmentsListed,
    CompareFiles,
    CopyAttachment,
    DeleteAttachment,
    FilesCompared,
    FindMedia,
    Hashed,
    SyncAttachments,
    UploadRefused,
)
from streams.sync.attachment_facts import AttachmentCopied, AttachmentMedia, AttachmentUnmapped
from streams.sync.facts import WriteFailed
from streams.sync.running import Answer, Retry, retry_of

if TYPE_CHECKING:
    from streams.sync.effects import Effects

ATTACHMENT_FIELD = "attachment"


async def attachments(applier: Effects, run: Answer, action: AttachmentAction) -> Retry | None:
    """One attachment action; a failure is the pair's (retried when JIRA may do it later),
    named after the site it was asked of (``at``: the last one called)."""
    at: list[SiteNumber] = [action.site]
    try:
        await carried_out(applier, run, action, at)
    except AttachmentTooLarge as error:
        run.said = UploadRefused(str(error))
    except RetryableJiraError as error:
        run.add(_failed(action, at[-1], error))
        return retry_of(error)
    except PermanentJiraError as error:
        run.add(_failed(action, at[-1], error))
    return None


async def carried_out(
    applier: Effects, run: Answer, action: AttachmentAction, at: list[SiteNumber]
) -> None:
    if isinstance(action, SyncAttachments):
        if all(action.keys):  # else the counterpart was not made: nothing to look at
            at.append(1)
            one = await listed(applier, 1, action.keys[0])
            at.append(2)
            run.said = AttachmentsListed(one, await listed(applier, 2, action.keys[1]))
    elif isinstance(action, CopyAttachment):
        await copied(applier, run, action)
    elif isinstance(action, CompareFiles):
        await compared(applier, run, action, at)
    elif isinstance(action, FindMedia):
        await media_of(applier, run, action.source, action.copy)
    else:
        await deleted(applier, run, action)


async def listed(applier: Effects, site: int, key: str) -> list[Attachment]:
    issue = await applier.clients[site].get_issue(key, fields=[ATTACHMENT_FIELD])
    found = issue.fields.get(ATTACHMENT_FIELD) or []
    return [Attachment.model_validate(one) for one in found if isinstance(one, dict)]


async def copied(applier: Effects, run: Answer, action: CopyAttachment) -> None:
    """The file streamed across. Its download is opened first, so an original gone since
    it was listed (404) copies nothing (the next listing settles it)."""
    source = applier.clients[action.source_site].attachment_content(action.attachment_id)
    digest, sent = hashlib.sha256(), [0]
    try:
        first = await anext(source, b"")
    except NotFound:
        return

    async def chunks() -> AsyncIterator[bytes]:
        chunk: bytes | None = first
        while chunk is not None:
            digest.update(chunk)
            sent[0] += len(chunk)
            yield chunk
            chunk = await anext(source, None)

    target = applier.clients[action.site]
    try:
        made = await target.add_attachment(
            action.issue_key, action.filename, chunks(), action.mime_type
        )
    finally:
        closing = getattr(source, "aclose", None)
        if closing is not None:
            await closing()
    copy = f"{action.site}:{made.id}"
    run.add(AttachmentCopied(action.source, copy, digest.hexdigest(), sent[0]))
    await media_of(applier, run, action.source, copy)


async def compared(
    applier: Effects, run: Answer, action: CompareFiles, at: list[SiteNumber]
) -> None:
    """Both files hashed (two downloads: only a candidate costs them); judged by the plan."""
    at.append(action.copy.source_site)
    source = await hashed(applier, action.copy.source_site, action.copy.attachment_id)
    at.append(action.site)
    candidate = action.candidate.partition(":")[2]
    twin = None if source is None else await hashed(applier, action.site, candidate)
    run.said = FilesCompared(source, twin)


async def hashed(applier: Effects, site: SiteNumber, attachment_id: str) -> Hashed | None:
    """A file's sha256 and size, streamed chunk by chunk (never whole in memory): JIRA
    lists no hash of a file, so its bytes are read for it. None: the file is gone (404)."""
    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in applier.clients[site].attachment_content(attachment_id):
            digest.update(chunk)
            size += len(chunk)
    except NotFound:
        return None
    return Hashed(digest.hexdigest(), size)


async def media_of(applier: Effects, run: Answer, source: str, copy: str) -> None:
    """The media ids of a file and its copy (one GET each: JIRA's 303 to the media service
    names the file), recorded when both sites name one. A failure leaves them unknown: the
    next listing asks again (``FindMedia``)."""
    ids = {ref.partition(":")[0]: ref.partition(":")[2] for ref in (source, copy)}
    one = await applier.clients[1].media_id(ids["1"])
    two = await applier.clients[2].media_id(ids["2"])
    if one and two:
        run.add(AttachmentMedia(source, one, two))


async def deleted(applier: Effects, run: Answer, action: DeleteAttachment) -> None:
    with contextlib.suppress(NotFound):
        await applier.clients[action.site].delete_attachment(action.attachment_id)
    run.add(AttachmentUnmapped(action.source))


def _failed(action: AttachmentAction, site: int, error: JiraError) -> WriteFailed:
    retryable = isinstance(error, RetryableJiraError)
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return WriteFailed(type(action).__name__, 1 if site == 1 else 2, str(error), retryable, after)
