"""The comment effects: a copy made, updated or removed, and the origin's earlier comments
copied. Which of these a comment needs is ``policies.comment_plan`` (and whether a lost
copy is looked for first, ``policies.look_for_lost_copy``); what JIRA answered is a fact."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from streams.jira.client import JiraClient
from streams.jira.errors import NotFound, PermanentJiraError, RetryableJiraError
from streams.jira.models import Comment
from streams.sync import comments, policies
from streams.sync.catalog import PROJECT_TYPE
from streams.sync.facts import CommentCopied, CommentPending, CommentUnmapped, CommentUpdated
from streams.sync.messages import CopyComment, CopyComments, DeleteComment, SiteNumber
from streams.sync.policies import CommentPlan
from streams.sync.running import Answer, Durable, Retry, failed, retry_of

if TYPE_CHECKING:
    from streams.sync.effects import Effects


async def comment(
    applier: Effects, run: Answer, action: CopyComment | DeleteComment, durable: Durable
) -> Retry | None:
    """A comment copy made, updated or removed; when it fails for good, its original
    stays pending, so the next merge of the pair does it again (a retry brings no
    comment event)."""
    start = run.checkpoint()
    try:
        if isinstance(action, DeleteComment):
            with contextlib.suppress(NotFound):
                await applier.clients[action.site].delete_comment(
                    action.issue_key, action.comment_id
                )
            run.add(CommentUnmapped(action.source))
        else:
            await _copy(applier, run, action, durable)
        return None
    except RetryableJiraError as error:
        run.rollback(start)
        run.add(CommentPending(action.source), failed(action, error))
        return retry_of(error)


async def copy_earlier(
    applier: Effects, run: Answer, action: CopyComments, durable: Durable
) -> Retry | None:
    """Every public comment of the origin without a copy (none of ours) copied (never an
    internal one: restricted, or a service-desk internal note). A copy that fails stops the
    loop, and the copies made before it stay recorded: forgetting them would post them
    again at the next merge."""
    if not action.issue_key:  # still ``JUST_MADE``: no counterpart was made
        return None
    try:
        async for one in applier.clients[action.source_site].comments(action.source_key):
            ref = f"{action.source_site}:{one.id}"
            if one.internal or ref in action.known:
                continue
            key, pending = action.issue_key, ref in action.pending
            copy = CopyComment(
                action.source_site, action.source_key, one.id, action.site, key, pending=pending
            )
            mark = run.checkpoint()
            try:
                retry = await comment(applier, run, copy, durable)
            except PermanentJiraError as error:  # this one is refused: the pair says why
                run.rollback(mark)
                run.add(failed(copy, error))
                return None
            if retry is not None:
                return retry
    except RetryableJiraError as error:  # the listing failed: the copies made so far stand
        run.add(failed(action, error))
        return retry_of(error)
    except PermanentJiraError as error:
        run.add(failed(action, error))
    return None


async def _copy(applier: Effects, run: Answer, action: CopyComment, durable: Durable) -> None:
    """The original read fresh; then what ``policies.comment_plan`` says is due. A copy
    whose create may have happened before is looked for by its marker first."""
    source, copy_id, pending = action.source, action.copy_id, action.pending
    target = applier.clients[action.site]
    try:
        original = await applier.clients[action.source_site].comment(
            action.source_key, action.comment_id
        )
    except NotFound:
        original = None
    plan = policies.comment_plan(original is not None and not original.internal, copy_id)
    if plan is CommentPlan.REMOVE or original is None:
        if policies.look_for_lost_copy(source, copy_id, [source] if pending else []):
            found = await _find_copy(target, action.issue_key, source)
            copy_id = found.id if found is not None else None
        if copy_id is not None:
            with contextlib.suppress(NotFound):
                await target.delete_comment(action.issue_key, copy_id)
        run.add(CommentUnmapped(source))
        return
    body = comments.copy_body(original, source, action.source_key)
    if plan is CommentPlan.UPDATE and copy_id is not None:
        try:
            await target.update_comment(action.issue_key, copy_id, body)
            run.add(CommentUpdated(source))
            return
        except NotFound:  # someone deleted our copy: make it again
            run.add(CommentUnmapped(source))
            pending = False  # unmapped: no longer pending either
    if pending:
        found = await _find_copy(target, action.issue_key, source)
        if found is not None:  # made by a create whose answer was lost
            if found.body != body:  # the original was edited since
                await target.update_comment(action.issue_key, found.id, body)
            run.add(CommentCopied(source, f"{action.site}:{found.id}"))
            return
    run.add(CommentPending(source))
    await durable(run.events)
    internal = comments.copy_properties(await _project_type(applier, action.site))
    made = await _post_copy(applier, target, action.issue_key, body, source, internal)
    run.add(CommentCopied(source, f"{action.site}:{made}"))


async def _project_type(applier: Effects, site: SiteNumber) -> str | None:
    """The target project's type, from the catalog's cached project read (None
    without a catalog: then the copy is written as the platform API makes it, public)."""
    if applier.catalogs is None:
        return None
    kinds = (await applier.catalogs.available(site)).get(PROJECT_TYPE, frozenset())
    return next(iter(kinds), None)


async def _post_copy(
    applier: Effects,
    target: JiraClient,
    key: str,
    body: dict[str, Any],
    source: str,
    properties: dict[str, Any] | None = None,
) -> str:
    """The copy's id. A create JIRA failed or did not answer is tried again after a
    backoff (the transport retries reads and updates itself, never a create), once the
    copy is not found by its marker: JIRA may have made it all the same. A passing error
    costs no retry of the whole pair."""
    policy = applier.comment_retry
    for attempt in range(1, policy.attempts + 1):
        try:
            return (await target.add_comment(key, body, properties=properties)).id
        except RetryableJiraError as error:
            if attempt == policy.attempts:
                raise
            await applier.sleep(policy.delay(attempt, error.retry_after))
        found = await _find_copy(target, key, source)
        if found is not None:
            return found.id
    raise AssertionError("unreachable")  # pragma: no cover


async def _find_copy(target: JiraClient, key: str, source: str) -> Comment | None:
    """The copy of ``source`` on ``key``, found by its marker."""
    async for existing in target.comments(key):
        if comments.is_copy_of(existing, source):
            return existing
    return None
