"""The comment effects, each one JIRA call that says what JIRA answered: a comment's
original read (``CommentRead``), its lost copy looked for (``CopyFound``), the copy made,
updated (``CopyMissing`` when it is gone) or removed; and the origin's earlier comments
copied. What each answer calls for next is ``streams.sync.copy_policy`` (pure)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from streams.jira.client import JiraClient
from streams.jira.errors import NotFound, PermanentJiraError, RetryableJiraError
from streams.jira.models import Comment
from streams.sync import comments, copy_policy, documents
from streams.sync.catalog import PROJECT_TYPE
from streams.sync.comment_actions import DeleteCopy, FindCopy, PostCopy, UpdateCopy
from streams.sync.facts import CommentCopied, CommentPending, CommentUnmapped, CommentUpdated
from streams.sync.messages import CopyComment, CopyComments, DeleteComment, SiteNumber
from streams.sync.running import (
    Answer,
    CommentRead,
    CopyFound,
    CopyMissing,
    Durable,
    Retry,
    Said,
    failed,
    retry_of,
)

if TYPE_CHECKING:
    from streams.sync.effects import Effects

Step = CopyComment | FindCopy | UpdateCopy | PostCopy | DeleteCopy  # of one comment's copy
CommentEffect = Step | DeleteComment


async def comment(
    applier: Effects, run: Answer, action: CommentEffect, durable: Durable
) -> Retry | None:
    """One step of a comment's copy (or a copy removed with its original); when it fails
    for good, its original stays pending, so the next merge of the pair does it again (a
    retry brings no comment event)."""
    start = run.checkpoint()
    try:
        if isinstance(action, DeleteComment):
            with contextlib.suppress(NotFound):
                await applier.clients[action.site].delete_comment(
                    action.issue_key, action.comment_id
                )
            run.add(CommentUnmapped(action.source))
        else:
            run.said = await _step(applier, run, action, durable)
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
    ours = applier.config.integration_accounts.get(action.source_site)
    try:
        async for one in applier.clients[action.source_site].comments(action.source_key):
            ref = f"{action.source_site}:{one.id}"
            by_us = ours is not None and (one.author or {}).get("accountId") == ours
            if one.internal or ref in action.known or by_us:
                continue
            key, pending = action.issue_key, ref in action.pending
            copy = CopyComment(
                action.source_site, action.source_key, one.id, action.site, key, pending=pending
            )
            mark = run.checkpoint()
            try:
                retry = await _copied(applier, run, copy, durable)
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


async def _copied(
    applier: Effects, run: Answer, copy: CopyComment, durable: Durable
) -> Retry | None:
    """One comment's copy, its steps run one after the other as the engine runs them
    (``copy_policy.next_step`` chooses each from the answer before it)."""
    queue: list[Step] = [copy]
    while queue:
        step = queue.pop(0)
        retry = await comment(applier, run, step, durable)
        if retry is not None:
            return retry
        maps = applier.config.maps
        chosen, run.said = copy_policy.next_step(step, run.said, maps.users, maps.files), None
        run.add(*chosen.facts)
        queue[0:0] = [then for then in chosen.then if isinstance(then, Step)]
    return None


async def _step(applier: Effects, run: Answer, action: Step, durable: Durable) -> Said | None:
    """One JIRA call of a comment's copy: the original read, a lost copy looked for, the
    copy updated, removed or made."""
    target, key, source = applier.clients[action.site], action.issue_key, action.source
    if isinstance(action, CopyComment):
        return CommentRead(await _original(applier, action))
    if isinstance(action, FindCopy):
        return CopyFound(await _find_copy(target, key, source))
    if isinstance(action, DeleteCopy):
        with contextlib.suppress(NotFound):
            await target.delete_comment(key, action.copy_id)
        run.add(CommentUnmapped(source))
    elif isinstance(action, UpdateCopy):
        try:
            await target.update_comment(key, action.copy_id, action.body)
        except NotFound:
            if action.found:
                raise
            return CopyMissing()  # someone deleted our copy
        copied = CommentCopied(source, f"{action.site}:{action.copy_id}")
        run.add(copied if action.found else CommentUpdated(source))
    elif isinstance(action, PostCopy):
        run.add(*([CommentUnmapped(source)] if action.unmapped else []), CommentPending(source))
        await durable(run.events)
        internal = comments.copy_properties(await _project_type(applier, action.site))
        made = await _post_copy(applier, action, internal)
        run.add(CommentCopied(source, f"{action.site}:{made}"))
    return None


async def _original(applier: Effects, action: CopyComment) -> Comment | None:
    """The original, its mentioned people looked for on the copy's site first."""
    try:
        original = await applier.clients[action.source_site].comment(
            action.source_key, action.comment_id
        )
    except NotFound:
        return None
    if applier.catalogs is not None and isinstance(original.body, dict):
        users = applier.config.maps.users
        for one in documents.ids_of(original.body, "mention"):
            canonical = users.to_canonical(action.source_site, one)
            if canonical is not None:
                await applier.catalogs.learn_user(action.site, canonical)
    return original


async def _project_type(applier: Effects, site: SiteNumber) -> str | None:
    """The target project's type, from the catalog's cached project read (None
    without a catalog: then the copy is written as the platform API makes it, public)."""
    if applier.catalogs is None:
        return None
    kinds = (await applier.catalogs.available(site)).get(PROJECT_TYPE, frozenset())
    return next(iter(kinds), None)


async def _post_copy(applier: Effects, action: PostCopy, properties: dict[str, Any] | None) -> str:
    """The copy's id. A create JIRA failed or did not answer is tried again after a
    backoff (the transport retries reads and updates itself, never a create), once the
    copy is not found by its marker: JIRA may have made it all the same. A passing error
    costs no retry of the whole pair."""
    policy, target, key = applier.comment_retry, applier.clients[action.site], action.issue_key
    for attempt in range(1, policy.attempts + 1):
        try:
            return (await target.add_comment(key, action.body, properties=properties)).id
        except RetryableJiraError as error:
            if attempt == policy.attempts:
                raise
            await applier.sleep(policy.delay(attempt, error.retry_after))
        found = await _find_copy(target, key, action.source)
        if found is not None:
            return found.id
    raise AssertionError("unreachable")  # pragma: no cover


async def _find_copy(target: JiraClient, key: str, source: str) -> Comment | None:
    """The copy of ``source`` on ``key``, found by its marker."""
    async for existing in target.comments(key):
        if comments.is_copy_of(existing, source):
            return existing
    return None
