"""What the worklogs of a pair call for, from both issues' listings (pure).

Every worklog belongs to the side it was logged on (the key of the pair's
``worklog_map``); its copy is the map's value. A copy is logged by the sync account (JIRA
sets a worklog's author to the caller, REST cannot set it), so its comment begins with a
line naming the original's author: a mention of that person's account on the target when
the user map knows one, else the name as plain text. Each copy carries the property
``jira-sync.worklog`` ``{"source": "1:10001", "digest": ...}``, the digest of the original
(time spent, started, comment) it was last written from. From the listings:

- a person's worklog that is neither an original nor a copy is copied (time spent,
  started, comment with mentions mapped as comments are); one restricted to a role or
  group stays where it is; the sync account's own worklogs, and any worklog carrying the
  marker, are never copied;
- a marked worklog of the sync account whose marker names an original the map lacks is
  taken as its copy (a copy made by a step that died before recording it: never made
  twice); a marker on someone else's worklog proves nothing;
- an original whose digest differs from its copy's marker has its copy updated (an edit
  follows; the copy's echo finds the digests equal);
- an original that is gone has its copy deleted (a deletion follows only from the side
  that logged the original); a copy deleted by hand stays deleted, its original is not
  copied again; an original and copy both gone leave the map.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from streams.jira.adf import canonical_adf
from streams.jira.models import Worklog
from streams.sync import documents
from streams.sync.events import PairEvent
from streams.sync.knowledge import UserMap
from streams.sync.messages import Action, SiteNumber, SyncConfig, other
from streams.sync.running import Followed, Said
from streams.sync.worklog_actions import (
    WORKLOG_PROPERTY,
    CopyWorklog,
    DeleteWorklog,
    SyncWorklogs,
    UpdateWorklog,
    WorklogAction,
    WorklogsListed,
)
from streams.sync.worklog_facts import WorklogCopied, WorklogUnmapped

Copies = dict[str, tuple[str, str]]  # original -> (its copy's ref, the copy's digest)


def after(action: WorklogAction, said: Said | None, config: SyncConfig) -> Followed:
    """What JIRA said of a worklog action comes to (``policies.after``)."""
    if isinstance(action, SyncWorklogs) and isinstance(said, WorklogsListed):
        return planned(action, said, config)
    return Followed()


def planned(action: SyncWorklogs, listed: WorklogsListed, config: SyncConfig) -> Followed:
    """The copies, updates and deletions the listings call for (see the docstring)."""
    ours = config.integration_accounts
    copies = copies_of(listed, ours)
    present = {f"{site}:{one.id}" for site in (1, 2) for one in listed.on(site)}
    facts: list[PairEvent] = []
    then: list[Action] = []
    for source, copy in action.known.items():
        if source not in present:
            gone = gone_original(source, copy, present, action.keys)
            facts += gone.facts
            then += gone.then
    for site in (1, 2):
        for one in listed.on(site):
            if one.author_id == ours.get(site) or marked(one) or one.visibility:
                continue  # the sync's own, a copy (or what claims to be one), restricted
            chosen = original(site, one, action, copies, config.maps.users)
            facts += chosen.facts
            then += chosen.then
    return Followed(facts, then)


def copies_of(listed: WorklogsListed, ours: dict[int, str]) -> Copies:
    """The sync account's worklogs that carry a marker, by the original they copy."""
    found: Copies = {}
    for site in (1, 2):
        for one in listed.on(site):
            mark, account = one.entity_property(WORKLOG_PROPERTY), ours.get(site)
            if account not in (None, one.author_id) or not isinstance(mark, dict):
                continue  # a marker on someone else's worklog proves nothing
            found[str(mark.get("source"))] = (f"{site}:{one.id}", str(mark.get("digest")))
    return found


def marked(one: Worklog) -> bool:
    return isinstance(one.entity_property(WORKLOG_PROPERTY), dict)


def gone_original(source: str, copy: str, present: set[str], keys: tuple[str, str]) -> Followed:
    site, _, copy_id = copy.partition(":")
    if copy_id and copy in present:
        target: SiteNumber = 1 if site == "1" else 2
        return Followed(then=[DeleteWorklog(source, target, keys[target - 1], copy_id)])
    return Followed([WorklogUnmapped(source)])


def original(
    site: SiteNumber, one: Worklog, action: SyncWorklogs, copies: Copies, users: UserMap
) -> Followed:
    """A person's worklog of ``site``: copied, its copy found or updated, or nothing."""
    ref, target = f"{site}:{one.id}", other(site)
    found, known = copies.get(ref), action.known.get(ref)
    facts: list[PairEvent] = []
    if known is None and found is not None:
        facts.append(WorklogCopied(ref, found[0], "found"))
        known = found[0]
    key = action.keys[target - 1]
    body = copy_body(one, ref, action.keys[site - 1], users)
    if known is None:
        return Followed(facts, [CopyWorklog(ref, target, key, body)])
    current = digest(one)
    if found is not None and found[0] == known and found[1] != current:
        copy_id = known.partition(":")[2]
        return Followed(facts, [UpdateWorklog(ref, target, key, copy_id, body)])
    return Followed(facts)


def digest(one: Worklog) -> str:
    """What a copy follows of its original: time spent, started, comment."""
    comment = canonical_adf(one.comment) if one.comment else None
    text = json.dumps([one.time_spent_seconds, one.started, comment], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def copy_body(one: Worklog, source: str, source_key: str, users: UserMap) -> dict[str, Any]:
    """The REST body of ``one``'s copy (ref ``source``, on issue ``source_key``)."""
    site: SiteNumber = 2 if source.startswith("2:") else 1
    mark = {"source": source, "digest": digest(one)}
    return {
        "timeSpentSeconds": one.time_spent_seconds,
        "started": one.started,
        "comment": comment(one, site, source_key, users),
        "properties": [{"key": WORKLOG_PROPERTY, "value": mark}],
    }


def comment(one: Worklog, site: SiteNumber, source_key: str, users: UserMap) -> dict[str, Any]:
    """The attribution line, then the original's comment as the other site holds it."""
    line = [*author(one, site, users), text(f" on {source_key} (site {site}) [jira-sync]")]
    content: list[Any] = [{"type": "paragraph", "content": line}]
    if one.comment:
        canonical = documents.canonical_document(site, one.comment, users)
        written = documents.for_site(other(site), canonical, users).document
        content += list((written or {}).get("content") or [])
    return {"type": "doc", "version": 1, "content": content}


def author(one: Worklog, site: SiteNumber, users: UserMap) -> list[dict[str, Any]]:
    """``Logged by`` and the author: a mention on the target, else the name."""
    name = (one.author or {}).get("displayName") or "someone"
    there = users.to_site(other(site), users.to_canonical(site, one.author_id))
    if there is None:
        return [text(f"Logged by {name}")]
    mention = {"type": "mention", "attrs": {"id": there, "text": f"@{name}"}}
    return [text("Logged by "), mention]


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}
