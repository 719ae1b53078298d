"""The actions and answers of moving a synced issue to another parent (an epic's story
moved, or taken out of its epic, on one side): what is read, what is written. What they
come to is ``streams.sync.parent_policy``'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.sites import SiteNumber


@dataclass(frozen=True)
class SyncParent:
    """``site``'s issue shows another parent than the pair last saw: read where it is now
    and where the other side's issue is; keys filled in from the pair (``prepared``)."""

    site: SiteNumber
    keys: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class WriteParent:
    """Move ``issue_key`` on ``site`` under ``parent_id`` (None: out of its parent)."""

    site: SiteNumber
    issue_key: str
    parent_id: str | None


@dataclass(frozen=True)
class ParentRead:
    """``parent``: the changed side's parent now (``at_create.parent_ref``; None: none);
    ``counterpart``: that parent's counterpart (id, key) on the other site (None: not
    synced); ``there``: the other side's parent id now ("" none); ``subtask_there``: the
    other side's issue is a sub-task (it cannot be without a parent)."""

    parent: dict[str, Any] | None
    counterpart: tuple[str, str] | None
    there: str
    subtask_there: bool


ParentAction = SyncParent | WriteParent
