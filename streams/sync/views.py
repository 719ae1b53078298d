"""When a webhook is its side's view: the changed side's values taken from the webhook
itself, so only the other side is read before the merge (pure).

A webhook carries the whole issue as it was at its ``updated``. It is taken as the view of
its side only when it provably holds everything the pair knows of that side and more:

- the pair is quiet (synced; no conflict, failure, unconfirmed write or pause), so the base
  is what that side held when the pair last saw it;
- the conflict policy is not ``latest``: it picks by each side's last change, and the
  webhook's ``updated`` is only a lower bound of its side's (a later edit may be queued);
- the webhook is newer than the newest change of that side the pair took in (its marker's
  ``updated``, strictly), and a human's (not the integration account's, not unknown);
- every field the sync wrote to that side since the pair last merged it
  (``PairState.unseen_writes``) holds there what was written: otherwise the webhook may
  predate that write, and its older value would be copied back as a change;
- it says the issue's security level (``fields.security``, null when none): a full issue
  webhook always carries it, a trimmed one (the ``jira:issue_updated`` of a comment)
  does not, and a level set since the pair last read the side must never go unseen (the
  merge holds back a side with an unmapped level, ``streams.sync.visibility``);
- its rich text (wiki markup, ``streams.sync.rich_text``) was read through REST, or is the
  wiki rendering of the agreed document (``documents.agrees``: then the agreed document is
  the side's value), or can only be plain paragraphs (``documents.plain``: then that
  document is); other changed markup is never copied, the side is read.

A Data Center site's webhook is never its side's view (its users are usernames, its text
wiki markup as stored, not the REST client's documents): that side is read.

Otherwise both sides are read, as before. The other side is read fresh too, unless
``SYNC_TRUST_AGREED_VALUES`` is on (``SyncConfig.trust_agreed``; on in the worker by
default), the view changes only fields whose overwrite the write's echo would show
(``streams.sync.overwrites``: summary, priority, labels, due date, assignee, status, and a
description of plain paragraphs, ``documents.checkable``) and no write of ours to it is
unchecked: it is then taken to hold the agreed values (``believed_target``), so an edit
costs one write. A change made there whose webhook is still on its way is then
overwritten, seen in the echo, put back and merged as a change of both sides: a person
sees their value replaced and then restored. Off, the other side is read before each
write: that window narrows to the read's round trip (it never closes: JIRA has no
conditional write), at one GET more a change.
"""

from __future__ import annotations

from datetime import datetime

from streams.settings import ConflictPolicy
from streams.state import PairState, PairStatus
from streams.sync import documents
from streams.sync.fields import SECURITY, STATUS
from streams.sync.messages import IssueChanged, Observation, SyncConfig, other
from streams.sync.overwrites import CHECKED, RICH
from streams.sync.rich_text import DESCRIPTION, rich_fields


def webhook_view(change: IssueChanged, pair: PairState, config: SyncConfig) -> Observation | None:
    """The changed side as ``change`` shows it, or None when that side must be read."""
    if change.kind != "updated" or not _quiet(pair) or not _human(change, config):
        return None
    if change.site in config.datacenter_sites:  # its webhook's users and text are not REST's
        return None
    if config.policy is ConflictPolicy.LATEST or not _newer(change, pair):
        return None
    if SECURITY not in change.values:  # a trimmed webhook: the level may have changed
        return None
    base = pair.base_of(change.site)
    values = dict(change.values)
    if not change.text_read:  # wiki markup: the agreed document, or plain paragraphs
        for name in [name for name in rich_fields(config.maps) if name in values]:
            maps, text = config.maps, values[name]
            if documents.agrees(change.site, text, base.get(name), maps.users, maps.files):
                values[name] = base.get(name)
            elif name == DESCRIPTION and isinstance(text, str) and (doc := documents.plain(text)):
                values[name] = doc  # (a custom text field may be a line, not a document)
            elif text is not None:  # None: the field emptied
                return None
    written = pair.unseen_writes.get(str(change.site), [])
    if any(name not in base or values.get(name) != base[name] for name in written):
        return None
    return Observation(change.site, change.issue_id, change.issue_key, values, change.updated)


def believed_target(view: Observation, pair: PairState, config: SyncConfig) -> Observation | None:
    """The other side as the pair last agreed it, when a write there would be checked by
    its echo; None when it must be read."""
    target = other(view.site)
    ref = pair.side(target)
    if not config.trust_agreed or ref is None or pair.believed.get(str(target)):
        return None
    if str(target) in pair.assumed_status:  # its status was taken, not read: read it
        return None
    if target in config.datacenter_sites:
        return None
    base = pair.base_of(view.site)
    changed = {
        name for name in config.synced() if view.values.get(name, base.get(name)) != base.get(name)
    }
    if not changed or not changed <= set(CHECKED):
        return None
    values = {
        name: value for name, value in pair.base_of(target).items() if name in config.synced()
    }
    shown = [view.values.get(name) for name in changed & set(RICH)]
    shown += [values.get(name) for name in changed & set(RICH)]
    if not all(documents.checkable(value) for value in shown):
        return None  # an overwrite the echo's wiki text may not show could go unseen
    status = config.maps.statuses.to_site(target, values.get(STATUS))
    fields = {STATUS: {"name": status}} if status else {}  # a move starts there
    return Observation(target, ref.id, ref.key, values, fields=fields)


def _quiet(pair: PairState) -> bool:
    return (
        pair.status is PairStatus.SYNCED
        and not pair.conflicts
        and pair.failure is None
        and not pair.pending_writes
        and pair.pending_create is None
    )


def _human(change: IssueChanged, config: SyncConfig) -> bool:
    ours = config.integration_accounts.get(change.site)
    return change.actor is not None and ours is not None and change.actor != ours


def _newer(change: IssueChanged, pair: PairState) -> bool:
    marker = pair.markers.get(str(change.site))
    if marker is None or marker.updated is None or change.updated is None:
        return False
    return change.updated > datetime.fromisoformat(marker.updated)
