"""Worklogs (``SYNC_WORKLOGS``): the message a worklog webhook becomes, the actions, and
what JIRA says of them.

``SyncWorklogs`` lists both issues' worklogs with their properties; the pure plan
(``streams.sync.worklog_plan``) turns the listings into ``CopyWorklog`` (a person's
worklog logged again on the other side by the sync account, the author named in its
comment), ``UpdateWorklog`` (the original changed since its copy was written) and
``DeleteWorklog`` (a copy whose original was deleted on the side that logged it);
``streams.sync.worklog_copies`` carries them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from streams.jira.models import Worklog
from streams.sites import SiteNumber

WORKLOG_ACTIONS = ("SyncWorklogs", "CopyWorklog", "UpdateWorklog", "DeleteWorklog")
WORKLOG_PROPERTY = "jira-sync.worklog"  # on a copy: {"source": "1:10001", "digest": ...}


@dataclass(frozen=True)
class WorklogChanged:
    """A worklog was added, edited or deleted on one issue of a pair (a webhook, which
    names the issue by id only)."""

    site: SiteNumber
    kind: Literal["created", "updated", "deleted"]
    issue_id: str
    issue_key: str  # the issue id: worklog webhooks carry no key
    worklog_id: str
    author: str | None = None  # account id of who logged it
    actor: str | None = None  # who last changed it (the worklog's updateAuthor)
    webhook_id: str | None = None


@dataclass(frozen=True)
class SyncWorklogs:
    """List both issues' worklogs and copy, update or delete what the plan says. Filled in
    from the pair before it is carried out (``running.prepared``): both keys (empty: the
    pair is not complete, nothing is done) and the worklog map."""

    keys: tuple[str, str] = ("", "")
    known: dict[str, str] = field(default_factory=dict)  # "1:10001" -> "2:10005"

    @property
    def site(self) -> SiteNumber:
        return 1


@dataclass(frozen=True)
class CopyWorklog:
    """Log ``source``'s time on issue ``issue_key`` of ``site`` (``body``: the REST body,
    the marker property in it)."""

    source: str
    site: SiteNumber
    issue_key: str
    body: dict[str, Any]


@dataclass(frozen=True)
class UpdateWorklog:
    """Write ``body`` over the copy ``worklog_id`` of ``source`` on ``site``."""

    source: str
    site: SiteNumber
    issue_key: str
    worklog_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class DeleteWorklog:
    """Delete the copy ``worklog_id`` on ``site``: its original ``source`` is gone."""

    source: str
    site: SiteNumber
    issue_key: str
    worklog_id: str


WorklogAction = SyncWorklogs | CopyWorklog | UpdateWorklog | DeleteWorklog


@dataclass(frozen=True)
class WorklogsListed:
    """Both issues' worklogs as JIRA listed them (site 1, site 2)."""

    one: list[Worklog]
    two: list[Worklog]

    def on(self, site: int) -> list[Worklog]:
        return self.one if site == 1 else self.two
