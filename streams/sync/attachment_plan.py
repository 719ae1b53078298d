"""What the attachments of a pair call for, from both issues' listings (pure).

Every file belongs to the side that added it (the key of the pair's ``attachment_map``);
its copy is the map's value. From the listings (``AttachmentsListed``):

- a file on one side that is neither an original nor a copy is copied to the other side,
  unless the mapping file's rules leave it out (name globs), it is over their size limit (a
  warning on the pair). When the other side already has a file of the same name and size
  that is no one's copy (a candidate: the copy of a step that died before recording it, the
  same file added on both sides, or another file: two screenshots ``image.png``), both are
  hashed first (``CompareFiles``): the same sha256 takes the candidate as the copy, another
  copies the file and leaves the candidate alone (it is a file of its own, looked at as
  one by the next listing). Nothing is recorded between the hashing and its answer, so a
  step that dies there compares again at the next listing. A candidate is compared for one
  file of a listing at most. A copy is itself never copied back: it is in the map, so the
  echo of a copy costs two reads and nothing more;
- an original that is gone has its copy deleted (the deletion follows from the side that
  added the file only); a copy deleted by hand stays deleted, its original is not copied
  again; an original and copy both gone leave the map;
- a file the target refused as too large (413) is a warning, and left out for good;
- a file and its copy whose media ids the pair does not know (a twin taken as the copy, a
  copy whose ids could not be asked when it was made) have them asked (``FindMedia``): rich
  text names files by them (``streams.sync.documents``).
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.jira.models import Attachment
from streams.sync.attachment_actions import (
    AttachmentAction,
    AttachmentRules,
    AttachmentsListed,
    CompareFiles,
    CopyAttachment,
    DeleteAttachment,
    FilesCompared,
    FindMedia,
    SyncAttachments,
    UploadRefused,
)
from streams.sync.attachment_facts import AttachmentCopied, AttachmentUnmapped
from streams.sync.events import PairEvent
from streams.sync.facts import Warned
from streams.sync.messages import Action, SiteNumber, SyncConfig, other
from streams.sync.running import Followed, Said

TOO_LARGE = "attachment-too-large"
OCTETS = "application/octet-stream"


def after(action: AttachmentAction, said: Said | None, config: SyncConfig) -> Followed:
    """What JIRA said of an attachment action comes to (``policies.after``)."""
    if isinstance(action, SyncAttachments) and isinstance(said, AttachmentsListed):
        return planned(action, said, config.attachments)
    if isinstance(action, CopyAttachment) and isinstance(said, UploadRefused):
        warning = Warned(TOO_LARGE, refused_note(action, said.reason), action.source)
        return Followed([warning, AttachmentCopied(action.source, f"{action.site}:")])
    if isinstance(action, CompareFiles) and isinstance(said, FilesCompared):
        return compared(action, said)
    return Followed()


def compared(action: CompareFiles, said: FilesCompared) -> Followed:
    """A candidate whose bytes hash as the original's is its copy (its media ids asked);
    one that differs, or is gone, is not: the original is copied. An original gone since
    it was listed is nothing (the next listing settles it)."""
    source, twin = said.source, said.candidate
    if source is None:
        return Followed()
    if twin is None or twin.sha256 != source.sha256:
        return Followed(then=[action.copy])
    found = AttachmentCopied(action.source, action.candidate, twin.sha256, twin.size)
    return Followed([found], [FindMedia(action.source, action.candidate)])


def planned(action: SyncAttachments, listed: AttachmentsListed, rules: AttachmentRules) -> Followed:
    """The copies and deletions the listings call for (see the module's docstring)."""
    present = {f"{site}:{one.id}" for site in (1, 2) for one in listed.on(site)}
    facts: list[PairEvent] = []
    then: list[Action] = []
    for source, copy in action.known.items():
        followed = following(source, copy, present)
        facts += followed.facts
        then += followed.then
        if source not in action.with_media and source in present and copy in present:
            then.append(FindMedia(source, copy))
    taken = set(action.known) | set(action.known.values())
    for site in (1, 2):
        for one in listed.on(site):
            chosen = new_file(site, one, listed, rules, taken, action.keys)
            facts += chosen.facts
            then += chosen.then
    return Followed(facts, then)


def following(source: str, copy: str, present: set[str]) -> Followed:
    """A known original: its copy deleted when it is gone, the pair forgetting both once
    both are gone; an original still there (its copy deleted by hand or not) is left."""
    if source in present:
        return Followed()
    site, _, copy_id = copy.partition(":")
    if copy_id and copy in present:
        return Followed(then=[DeleteAttachment(_site(site), copy_id, source)])
    return Followed([AttachmentUnmapped(source)])


def new_file(
    site: SiteNumber,
    one: Attachment,
    listed: AttachmentsListed,
    rules: AttachmentRules,
    taken: set[str],
    keys: tuple[str, str],
) -> Followed:
    """A file of ``site``: nothing (known, or left out by the rules), a warning (too
    large), its copy made, or first compared with a candidate on the other side (same name
    and size). ``taken`` grows with the files this plan pairs or compares."""
    ref, target = f"{site}:{one.id}", other(site)
    if ref in taken or not rules.admits(one.filename):
        return Followed()
    if rules.too_large(one.size):
        return Followed([Warned(TOO_LARGE, over_limit_note(one, rules), ref)])
    twin = twin_of(one, listed.on(target), target, taken)
    taken.add(ref)
    mime = one.mime_type or OCTETS
    copy = CopyAttachment(site, one.id, one.filename, one.size, mime, target, keys[target - 1])
    if twin is not None:
        taken.add(twin)
        return Followed(then=[CompareFiles(copy, twin)])
    return Followed(then=[copy])


def twin_of(
    one: Attachment, others: Iterable[Attachment], site: SiteNumber, taken: set[str]
) -> str | None:
    """A file of ``site`` with ``one``'s name and size that is no one's copy (its ref)."""
    for candidate in others:
        ref = f"{site}:{candidate.id}"
        if ref not in taken and (candidate.filename, candidate.size) == (one.filename, one.size):
            return ref
    return None


def over_limit_note(one: Attachment, rules: AttachmentRules) -> str:
    return (
        f"attachment {one.filename} ({one.size} bytes) is not copied: over the mapping "
        f"file's limit of {rules.max_bytes} bytes"
    )


def refused_note(action: CopyAttachment, reason: str) -> str:
    return (
        f"attachment {action.filename} ({action.size} bytes) is not copied: site "
        f"{action.site} refused it as too large ({reason})"
    )


def _site(text: str) -> SiteNumber:
    return 1 if text == "1" else 2
