"""The state of one issue pair: the value of the compacted sync-state topic.

Key on the topic: ``pair_id``. The engine publishes a new ``PairState`` (with ``version``
one higher) after every change of a pair; projections persist the latest by version.

``pair_id`` is stable for the pair's life: the site and JIRA issue id of the issue the pair
started from (``"1:10001"``): ids never change, keys do when an issue moves. ``sync_id`` is
the operator-facing name of the seed (``"PROJ1-123#PROJ2-456"``), derived from both keys.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from streams.sites import SiteNumber as SiteNumber


class PairStatus(StrEnum):
    PENDING = "pending"  # counterpart not created yet, or work queued for retry
    SYNCED = "synced"  # both sides agree on every synced field
    CONFLICTED = "conflicted"  # at least one field changed differently on both sides
    FAILED = "failed"  # a permanent error stops this pair; see ``failure``
    ORPHANED = "orphaned"  # one side was deleted or unlinked
    # a side answers 404 with no deletion event: deleted, or hidden from the sync account
    # (security level, browse permission); retried, never treated as deleted
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"  # an issue has a security level the mapping file does not map


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class IssueRef(_Frozen):
    site: SiteNumber
    id: str
    key: str


class SideMarker(_Frozen):
    """The newest change of one side that was applied: older events are stale."""

    updated: str | None = None  # the issue's ``fields.updated``
    changelog_id: int | None = None
    webhook_timestamp: int | None = None


class FieldConflict(_Frozen):
    field: str
    base: Any = None
    site1: Any = None
    site2: Any = None
    detected_at: datetime


class PairWarning(_Frozen):
    code: str  # e.g. "status-unreachable", "field-not-on-screen", "user-unknown"
    message: str
    field: str | None = None
    at: datetime


class PairFailure(_Frozen):
    reason: str
    retryable: bool
    attempts: int = 1
    at: datetime
    next_retry_at: datetime | None = None
    # A permanent failure was sent to the dead-letter topic: a sweep meeting the same
    # failure again does not send it again (``streams.sync.retrying.dead_letter_due``).
    dead_lettered: bool = False


class PendingCreate(_Frozen):
    """A counterpart create that was asked of JIRA but not yet seen done.

    Recorded (and flushed to the log) before the create call, so a worker that dies between
    JIRA's answer and recording it finds the issue by its link marker instead of creating
    another one.
    """

    site: SiteNumber
    project_key: str
    values: dict[str, Any] = Field(default_factory=dict)
    link: dict[str, Any] = Field(default_factory=dict)
    origin_key: str
    requested_at: datetime
    status: str | None = None  # the status the new issue is to be moved to after its create
    # Random, recorded before the create and signed into its link marker: only the issue
    # this create made can be adopted as its result (``streams.sync.markers``).
    nonce: str | None = None


class PairState(_Frozen):
    pair_id: str
    version: int = Field(ge=1)
    origin: SiteNumber
    connection: str = ""  # its project pair (``streams.connections``); "": made before them
    site1: IssueRef | None = None
    site2: IssueRef | None = None
    status: PairStatus
    base: dict[str, Any] = Field(default_factory=dict)
    # "1" / "2" -> field -> the value that side holds instead of the base, when a copy
    # could not be exact (a component or user the side does not have): not a change.
    held: dict[str, dict[str, Any]] = Field(default_factory=dict)
    markers: dict[str, SideMarker] = Field(default_factory=dict)  # "1" / "2"
    conflicts: dict[str, FieldConflict] = Field(default_factory=dict)
    comment_map: dict[str, str] = Field(default_factory=dict)  # "1:10010" -> "2:10020"
    # Originals whose copy names files as text (not copied yet): ref -> their canonical
    # media ids; the copy is written again once one of them is (``streams.sync.rerender``).
    comment_files: dict[str, list[str]] = Field(default_factory=dict)
    # Originals whose copy is not seen to hold them: "1:10010" -> when. A copy create is
    # recorded here before it is asked of JIRA (a lost answer may have made it: it is looked
    # for by its marker before it is made again); a copy, edit or removal that failed for
    # good stays here, and is done again when both sides are next read.
    pending_comments: dict[str, datetime] = Field(default_factory=dict)
    # Attachments: original ("1:10001", the side that added it) -> its copy ("2:10007";
    # "2:" a file the other site refused as too large). Deletions follow originals only.
    attachment_map: dict[str, str] = Field(default_factory=dict)
    # Their media ids (ADF media nodes name files by these): original -> [site 1's, site 2's].
    attachment_media: dict[str, list[str]] = Field(default_factory=dict)
    # Worklogs (SYNC_WORKLOGS): original ("1:10001", the side that logged it) -> its copy.
    worklog_map: dict[str, str] = Field(default_factory=dict)
    # Issue links (``streams.sync.issue_links``): each side's outward links as last seen
    # ("1" -> ["<type>|<other issue id>"]) and those the sync made ("2|<type>|<other id>").
    links: dict[str, list[str]] = Field(default_factory=dict)
    links_made: list[str] = Field(default_factory=list)
    # The parent each side was last seen under ("1" -> parent id there, "" none).
    parents: dict[str, str] = Field(default_factory=dict)
    warnings: list[PairWarning] = Field(default_factory=list)
    failure: PairFailure | None = None
    last_synced_at: dict[str, datetime] = Field(default_factory=dict)  # "1" / "2"
    counters: dict[str, int] = Field(default_factory=dict)
    recent_webhook_ids: list[str] = Field(default_factory=list)  # newest last, bounded
    pending_create: PendingCreate | None = None
    # "1" / "2" -> field -> a value asked of that side whose write is not recorded as done:
    # made durable before the writes are sent, so a step that dies between JIRA's answer
    # and its record recognises its own write on the next read instead of taking it for a
    # change made on that side (a conflict with the next change of the other side).
    pending_writes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # "1" / "2" -> the fields the sync wrote to that side (their values are the side's
    # ``base_of``) that no merge of it has seen since: a webhook of that side not holding
    # them may predate the write, so it is not taken as the side's values (a read is).
    unseen_writes: dict[str, list[str]] = Field(default_factory=dict)
    # "1" / "2" -> field -> [the value read there, the value the sync then wrote]: checked
    # against its echo's changelog (``streams.sync.overwrites``: a lost update).
    believed: dict[str, dict[str, list[Any]]] = Field(default_factory=dict)
    # "1" / "2": the side whose status is taken, not read, to be the agreed one (a new
    # counterpart in its kind's learned initial status, ``streams.sync.assumed``).
    assumed_status: list[str] = Field(default_factory=list)
    updated_at: datetime

    @property
    def sync_id(self) -> str:
        """``PROJ1-123#PROJ2-456``; the missing side is empty while pending."""
        left = self.site1.key if self.site1 else ""
        right = self.site2.key if self.site2 else ""
        return f"{left}#{right}"

    def side(self, site: SiteNumber) -> IssueRef | None:
        return self.site1 if site == 1 else self.site2

    def base_of(self, site: int) -> dict[str, Any]:
        """The last agreed values as ``site`` holds them."""
        return {**self.base, **self.held.get(str(site), {})}

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> PairState:
        return cls.model_validate_json(raw)
