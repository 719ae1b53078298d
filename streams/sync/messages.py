"""What the decision model reads (observations) and what it asks for (actions)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from pydantic import SecretStr

from streams.settings import ConflictPolicy, DeletionPolicy
from streams.sites import SiteNumber as SiteNumber
from streams.sync.attachment_actions import AttachmentAction, AttachmentRules
from streams.sync.attachment_actions import SyncAttachments as SyncAttachments
from streams.sync.comment_actions import CopyComment as CopyComment
from streams.sync.comment_actions import CopyComments as CopyComments
from streams.sync.comment_actions import DeleteComment as DeleteComment
from streams.sync.comment_actions import DeleteCopy, FindCopy, PostCopy, UpdateCopy
from streams.sync.echo_actions import ReadEchoes as ReadEchoes
from streams.sync.fields import CORE_FIELDS, FieldMaps
from streams.sync.issue_links import MakeLink, RemoveLink, SyncLinks
from streams.sync.own_notes import Attribute as Attribute
from streams.sync.own_notes import Mark as Mark
from streams.sync.parent_actions import SyncParent, WriteParent
from streams.sync.worklog_actions import WorklogAction, WorklogChanged

D = TypeVar("D")

ChangeKind = Literal["created", "updated", "deleted", "snapshot"]  # snapshot: manual/full sync
LINK_PROPERTY = "jira-sync.link"


def carried(kind: type[D], source: object) -> D:
    """A ``kind`` (a dataclass) holding ``source``'s attributes of the same names (the
    ones ``source`` lacks keep their defaults)."""
    names = [f.name for f in dataclasses.fields(cast(Any, kind)) if hasattr(source, f.name)]
    return kind(**{name: getattr(source, name) for name in names})


def other(site: SiteNumber) -> SiteNumber:
    return 2 if site == 1 else 1


def pair_id_for(site: SiteNumber, issue_id: str) -> str:
    return f"{site}:{issue_id}"


RESYNC = "resync:"


def resync_event_id(run_id: str, site: SiteNumber, issue_id: str) -> str:
    """A full resync's snapshot event: its run, then the issue (ids are per site, so a pair's
    two issues can share one)."""
    return f"{RESYNC}{run_id}:{site}-{issue_id}"


def resync_run(event_id: str | None) -> str | None:
    """The run a full resync's snapshot event belongs to (``resync:<run>:``), else None."""
    if event_id is None or not event_id.startswith(RESYNC):
        return None
    return event_id.rsplit(":", 1)[0] + ":"


@dataclass(frozen=True)
class IssueChanged:
    """One observation of an issue on one site (a webhook or a full-sync snapshot)."""

    site: SiteNumber
    kind: ChangeKind
    issue_id: str
    issue_key: str
    values: dict[str, Any]  # canonical synced fields as on that side at ``updated``
    updated: datetime | None = None
    webhook_id: str | None = None
    actor: str | None = None
    text_read: bool = False  # rich text values from a REST read, not the webhook's markup
    # Set when the pair its link marker named refused it (``streams.sync.markers``): the
    # issue starts a pair of its own, which warns why.
    refused: str | None = None
    # A file was added or deleted (the changelog's ``Attachment`` items; a created issue
    # with files), by someone other than the sync account (``streams.sync.normalize``).
    attachments: bool = False
    jql_match: bool | None = None  # JIRA's answer to the site's JQL filter (``jql_filter``)
    changelog: dict[str, list[Any]] = field(default_factory=dict)  # field: [from, to]


@dataclass(frozen=True)
class Reexamine:
    """Look at the pair again: both sides read fresh and merged (retries)."""

    reason: str
    attempt: int = 1  # how many times in a row this pair has been retried


@dataclass(frozen=True)
class Resolve:
    """The operator's answer to a conflict: the winner's values go to the other side."""

    winner: SiteNumber
    sync_id: str  # as the operator named the pair; checked against the pair's keys


@dataclass(frozen=True)
class CommentChanged:
    """A comment was added, edited or deleted on one issue of a pair (a webhook)."""

    site: SiteNumber
    kind: Literal["created", "updated", "deleted"]
    issue_id: str
    issue_key: str
    comment_id: str
    author: str | None = None  # account id of the comment's author
    actor: str | None = None  # who did this (the webhook's user)
    restricted: bool = False  # visibility set or a service-desk internal note: stays there
    webhook_id: str | None = None

    @property
    def ref(self) -> str:
        """``"1:10010"``: how the pair's comment map names a comment."""
        return f"{self.site}:{self.comment_id}"


@dataclass(frozen=True)
class LinkExisting:
    """The operator links two issues that already exist (``jira-sync match --apply``):
    the pair starts with both sides and no agreed value (``streams.sync.linking``)."""

    sync_id: str  # KEY1#KEY2 as the operator named it
    site1_id: str
    site2_id: str


@dataclass(frozen=True)
class EndPair:
    """The operator ends the pair (``jira-sync unlink``): both issues stay as they are."""

    sync_id: str


PairMessage = (
    IssueChanged | Reexamine | Resolve | CommentChanged | LinkExisting | EndPair | WorklogChanged
)


@dataclass(frozen=True)
class Observation:
    """A fresh read of the counterpart, asked for with ``Fetch``."""

    site: SiteNumber
    issue_id: str
    issue_key: str
    values: dict[str, Any]
    updated: datetime | None = None
    exists: bool = True
    fields: dict[str, Any] = field(default_factory=dict)  # the REST fields as JIRA answered


JUST_MADE = ""  # an action's ``issue_key``: the counterpart the step makes (or finds) first


@dataclass(frozen=True)
class IssueFilter:
    """Which issues start a pair (checked when an issue is first seen; a pair, once made,
    stays synced). Labels and issue types in canonical (site 1) names."""

    include_labels: frozenset[str] = frozenset()
    exclude_labels: frozenset[str] = frozenset()
    issue_types: frozenset[str] = frozenset()
    jql: dict[int, str] = field(default_factory=dict)  # per site, asked of JIRA (jql_filter)

    def admits(self, values: dict[str, Any]) -> str | None:
        """None when the issue may sync, else why not."""
        labels = set(values.get("labels") or [])
        if self.exclude_labels & labels:
            return "excluded by label " + ", ".join(sorted(self.exclude_labels & labels))
        if self.include_labels and not self.include_labels & labels:
            return "none of the included labels"
        kind = values.get("issuetype")
        if self.issue_types and kind is not None and kind not in self.issue_types:
            return f"issue type {kind} is not synced"
        return None


@dataclass(frozen=True)
class SyncConfig:
    project_keys: dict[int, str]
    connection: str = "default"  # its name (``streams.connections``), kept on its pairs
    policy: ConflictPolicy = ConflictPolicy.MANUAL
    sync_status: bool = True
    maps: FieldMaps = field(default_factory=FieldMaps)
    fields: tuple[str, ...] = CORE_FIELDS
    integration_accounts: dict[int, str] = field(default_factory=dict)
    dedup_window: int = 64
    # How long an unconfirmed create is searched for (JIRA's search lags writes) before
    # it is made again.
    create_grace: timedelta = timedelta(seconds=60)
    deletion: DeletionPolicy = DeletionPolicy.IGNORE
    filters: IssueFilter = field(default_factory=lambda: IssueFilter())
    create_missing: bool = False  # components and versions the target project lacks
    sync_comments: bool = True
    # Sites where the sync account holds Modify Reporter (asked at start): a counterpart
    # there gets its origin's reporter; elsewhere, with ``attribution``, a comment names them.
    reporter_sites: frozenset[int] = frozenset()
    attribution: bool = False  # the worker's default is SYNC_REPORTER_ATTRIBUTION's (on)
    attachments: AttachmentRules = field(default_factory=AttachmentRules)  # off by default
    worklogs: bool = False  # SYNC_WORKLOGS
    trust_agreed: bool = False  # the worker's default is SYNC_TRUST_AGREED_VALUES's (on)
    datacenter_sites: frozenset[int] = frozenset()  # their webhooks are never a view
    # Signs the link markers of creates (``streams.sync.markers``).
    marker_secret: SecretStr = field(default_factory=lambda: SecretStr(""))

    def synced(self) -> tuple[str, ...]:
        return (*self.fields, "status", "resolution") if self.sync_status else self.fields


# --- actions: what the applier must do -------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    site: SiteNumber
    issue_key: str


@dataclass(frozen=True)
class CreateCounterpart:
    site: SiteNumber
    project_key: str
    values: dict[str, Any]
    link: dict[str, Any]  # the link marker, set in the create call itself
    origin_key: str
    status: str | None = None  # where the new issue goes next (a create cannot carry it)
    # the values came from a webhook and hold rich text as wiki markup: the applier takes
    # those fields from a REST read of the origin first (``streams.sync.rich_text``)
    webhook_text: bool = False


@dataclass(frozen=True)
class RecoverCreate:
    """A create was asked of JIRA but never confirmed: find the issue by its link marker,
    or make it again once the grace period for search to catch up has passed."""

    site: SiteNumber
    project_key: str
    values: dict[str, Any]
    link: dict[str, Any]
    origin_key: str
    requested_at: datetime
    status: str | None = None


@dataclass(frozen=True)
class CrossLink:
    """Remote links between the two issues of the pair (upserted: safe to repeat)."""

    site: SiteNumber  # the site of the issue that was just adopted
    # A convenience after a create found or made: a failure is a warning, not a failure.
    best_effort: bool = False
    # Filled in from the pair before it is carried out (``running.prepared``):
    pair_id: str = ""
    keys: tuple[str, str] = ("", "")  # the issue keys on site 1 and site 2


@dataclass(frozen=True)
class WriteFields:
    site: SiteNumber
    issue_key: str
    values: dict[str, Any]
    # What the side was read holding (``overwrites``): context, not what is written.
    before: dict[str, Any] | None = field(default=None, compare=False)
    restore: bool = False  # values overwritten by the sync put back: not agreed ones


@dataclass(frozen=True)
class TransitionTo:
    site: SiteNumber
    issue_key: str
    status: str  # canonical (site 1) name
    # The status a new counterpart starts in: not applied once someone else has changed
    # that issue's status (their change then syncs like any other change).
    guarded: bool = False
    # The origin's resolution (canonical name), for the transition screens on the way;
    # None: the pair's base resolution, if any.
    resolution: str | None = None
    # The status the issue was just read in (a guarded move its history allowed): the
    # walk starts there without reading it again.
    start: str | None = None
    restore: bool = False  # a status the sync overwrote put back (``overwrites``)
    checks: bool = False  # a status taken, not read, found elsewhere (``assumed``)


@dataclass(frozen=True)
class ReadResolution:
    """The resolution an issue holds after ``move`` was left undone (someone else moved
    the new issue first), for the pair to know what it holds."""

    move: TransitionTo

    @property
    def site(self) -> SiteNumber:
        return self.move.site


@dataclass(frozen=True)
class Unlink:
    """Deletion policy ``unlink``: the surviving issue loses its link marker and remote link."""

    site: SiteNumber
    issue_key: str
    pair_id: str = ""  # filled in from the pair before it is carried out


@dataclass(frozen=True)
class DeleteIssue:
    """Deletion policy ``delete``: the surviving issue is deleted too."""

    site: SiteNumber
    issue_key: str


Action = (
    Fetch
    | CopyComment
    | CopyComments
    | DeleteComment
    | FindCopy
    | UpdateCopy
    | PostCopy
    | DeleteCopy
    | CreateCounterpart
    | RecoverCreate
    | CrossLink
    | WriteFields
    | Mark
    | Attribute
    | TransitionTo
    | ReadResolution
    | ReadEchoes
    | Unlink
    | DeleteIssue
    | AttachmentAction
    | SyncLinks
    | MakeLink
    | RemoveLink
    | SyncParent
    | WriteParent
    | WorklogAction
)
