"""The attachment actions, what JIRA says of them, and the mapping file's rules.

``SyncAttachments`` lists both issues' files (``fields.attachment``); the pure plan
(``streams.sync.attachment_plan``) turns the listings into ``CopyAttachment`` (streamed from
one side to the other), ``CompareFiles`` (a new file and a file of the same name and size
on the other side, hashed to learn whether that one is its copy), ``DeleteAttachment`` (a
copy whose original was deleted on the side that added it) and ``FindMedia`` (the media
ids of a file and a copy the sync did not stream, or whose ids it could not learn then);
``streams.sync.attachment_copies`` carries them out."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from streams.jira.models import Attachment
from streams.sites import SiteNumber

# failure names
COPY_ACTIONS = (
    "SyncAttachments",
    "CopyAttachment",
    "CompareFiles",
    "DeleteAttachment",
    "FindMedia",
)


@dataclass(frozen=True)
class AttachmentRules:
    """Which files travel (the mapping file's ``attachments:``): none when not ``enabled``;
    over ``max_bytes`` never (a warning on the pair); ``include`` (when given) and
    ``exclude`` are globs on the file name (``*.pdf``, ``screenshot-*``), case-insensitive."""

    enabled: bool = False
    max_bytes: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def admits(self, filename: str) -> bool:
        name = filename.lower()
        if any(fnmatch.fnmatchcase(name, glob.lower()) for glob in self.exclude):
            return False
        return not self.include or any(
            fnmatch.fnmatchcase(name, glob.lower()) for glob in self.include
        )

    def too_large(self, size: int) -> bool:
        return self.max_bytes is not None and size > self.max_bytes


@dataclass(frozen=True)
class SyncAttachments:
    """List both issues' attachments and copy or delete what the plan says. Filled in from
    the pair before it is carried out (``running.prepared``): both keys (empty: the pair is
    not complete, nothing is done), the attachment map and the files left out."""

    keys: tuple[str, str] = ("", "")
    known: dict[str, str] = field(default_factory=dict)  # "1:10001" -> "2:10005"
    with_media: frozenset[str] = frozenset()  # the originals whose media ids are known

    @property
    def site(self) -> SiteNumber:
        return 1


@dataclass(frozen=True)
class CopyAttachment:
    """Stream attachment ``attachment_id`` of ``source_site`` to issue ``issue_key`` of
    ``site`` (same name and type)."""

    source_site: SiteNumber
    attachment_id: str
    filename: str
    size: int
    mime_type: str
    site: SiteNumber
    issue_key: str

    @property
    def source(self) -> str:
        return f"{self.source_site}:{self.attachment_id}"


@dataclass(frozen=True)
class CompareFiles:
    """Is ``candidate`` ("2:10005": a file of ``copy.site`` with the name and size of
    ``copy``'s original, that is no one's copy) the copy of that original? Both files are
    streamed and hashed (sha256), chunk by chunk: JIRA exposes no hash of an attachment, so
    reading both is the only way to know. ``copy`` is made when they differ."""

    copy: CopyAttachment
    candidate: str

    @property
    def site(self) -> SiteNumber:
        return self.copy.site

    @property
    def source(self) -> str:
        return self.copy.source


@dataclass(frozen=True)
class DeleteAttachment:
    """Delete the copy ``attachment_id`` on ``site``: its original ``source`` is gone."""

    site: SiteNumber
    attachment_id: str
    source: str


@dataclass(frozen=True)
class FindMedia:
    """Learn the media ids of the original ``source`` ("1:10001") and its copy ``copy``."""

    source: str
    copy: str

    @property
    def site(self) -> SiteNumber:
        return 1


AttachmentAction = SyncAttachments | CopyAttachment | CompareFiles | DeleteAttachment | FindMedia


@dataclass(frozen=True)
class AttachmentsListed:
    """Both issues' attachments as JIRA listed them (site 1, site 2)."""

    one: list[Attachment]
    two: list[Attachment]

    def on(self, site: int) -> list[Attachment]:
        return self.one if site == 1 else self.two


@dataclass(frozen=True)
class Hashed:
    """A file's bytes as streamed: their sha256 and count."""

    sha256: str
    size: int


@dataclass(frozen=True)
class FilesCompared:
    """What a ``CompareFiles`` read: the original and the candidate (None: it was gone,
    404, when asked)."""

    source: Hashed | None
    candidate: Hashed | None


@dataclass(frozen=True)
class UploadRefused:
    """The target site refused the file as too large (413): JIRA's reason."""

    reason: str
