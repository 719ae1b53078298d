"""The worklog effects, each what JIRA answered: both issues' worklogs listed with their
properties (``WorklogsListed``, for ``streams.sync.worklog_plan`` to judge), a copy logged,
updated or deleted (JIRA refusing one with 400, time tracking off or no permission to
log work there, is a warning on the pair, ``worklog-refused``). A copy JIRA failed (a
5xx, a time-out: it may have been made) is not sent again here: the pair's retry lists
both sides again, and the plan finds the copy by its marker property instead of logging
it twice."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from streams.jira.errors import (
    BadRequest,
    JiraError,
    NotFound,
    PermanentJiraError,
    RetryableJiraError,
)
from streams.jira.models import Worklog
from streams.sync.facts import Cleared, Warned, WriteFailed
from streams.sync.running import Answer, Retry, retry_of
from streams.sync.worklog_actions import (
    CopyWorklog,
    DeleteWorklog,
    SyncWorklogs,
    UpdateWorklog,
    WorklogAction,
    WorklogsListed,
)
from streams.sync.worklog_facts import WorklogCopied, WorklogUnmapped

if TYPE_CHECKING:
    from streams.sync.effects import Effects

REFUSED = "worklog-refused"


async def worklogs(applier: Effects, run: Answer, action: WorklogAction) -> Retry | None:
    """One worklog action; a failure is the pair's (retried when JIRA may do it later)."""
    site = [action.site]  # the site of the call that failed
    try:
        if isinstance(action, SyncWorklogs):
            if all(action.keys):  # else the counterpart was not made: nothing to look at
                one = await listed(applier, 1, action.keys[0])
                site[0] = 2
                run.said = WorklogsListed(one, await listed(applier, 2, action.keys[1]))
        else:
            await written(applier, run, action)
    except BadRequest as error:  # time tracking off, or no permission to log work there
        if isinstance(action, SyncWorklogs):
            run.add(_failed(action, site[0], error))
        else:
            run.add(Warned(REFUSED, refused_note(action, str(error)), action.source))
    except RetryableJiraError as error:
        run.add(_failed(action, site[0], error))
        return retry_of(error)
    except PermanentJiraError as error:
        run.add(_failed(action, site[0], error))
    return None


async def listed(applier: Effects, site: int, key: str) -> list[Worklog]:
    return [one async for one in applier.clients[site].worklogs(key)]


async def written(
    applier: Effects, run: Answer, action: CopyWorklog | UpdateWorklog | DeleteWorklog
) -> None:
    client = applier.clients[action.site]
    if isinstance(action, CopyWorklog):
        made = await client.add_worklog(action.issue_key, action.body)
        run.add(WorklogCopied(action.source, f"{action.site}:{made.id}", "made"))
        run.add(Cleared(REFUSED, action.source))  # a refusal before is over
    elif isinstance(action, UpdateWorklog):
        with contextlib.suppress(NotFound):  # deleted by hand since: it stays deleted
            await client.update_worklog(action.issue_key, action.worklog_id, action.body)
            run.add(WorklogCopied(action.source, f"{action.site}:{action.worklog_id}", "edited"))
            run.add(Cleared(REFUSED, action.source))
    else:
        with contextlib.suppress(NotFound):
            await client.delete_worklog(action.issue_key, action.worklog_id)
        run.add(WorklogUnmapped(action.source))


def refused_note(action: CopyWorklog | UpdateWorklog | DeleteWorklog, reason: str) -> str:
    verb = {"CopyWorklog": "copied", "UpdateWorklog": "updated"}.get(type(action).__name__)
    return f"worklog {action.source} is not {verb or 'deleted'} on site {action.site}: {reason}"


def _failed(action: WorklogAction, site: int, error: JiraError) -> WriteFailed:
    retryable = isinstance(error, RetryableJiraError)
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return WriteFailed(type(action).__name__, 1 if site == 1 else 2, str(error), retryable, after)
