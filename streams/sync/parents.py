"""Where a parent's counterpart is (the reads; what they prove is ``streams.sync.hierarchy``'s).

A parent is synced when one of its two issues carries this deployment's signed link marker
naming the other and the other carries the sync's remote link naming it back: a parent
copied from the target (its marker on the origin, the remote link on the target), or a
parent copied to the target (the remote link on the origin, the marker on the target).
Anything less (no marker, a marker copied from another issue, a link to an issue that is
not the copy) is "not synced yet": the child waits rather than land under a wrong parent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.jira.errors import BadRequest, NotFound
from streams.sync import at_create, hierarchy
from streams.sync.facts import Warned
from streams.sync.messages import LINK_PROPERTY, SiteNumber, other
from streams.sync.parent_actions import ParentAction, ParentRead, SyncParent, WriteParent
from streams.sync.parent_facts import ParentsSeen
from streams.sync.running import Answer

if TYPE_CHECKING:
    from streams.sync.effects import Effects


async def counterpart(applier: Effects, target: SiteNumber, parent: dict[str, Any]) -> str | None:
    """The id on ``target`` of the counterpart of ``parent`` (an issue of the other site,
    ``hierarchy.parent_ref``); None when it has none that can be proved."""
    found = await counterpart_ref(applier, target, parent)
    return found[0] if found is not None else None


async def counterpart_ref(
    applier: Effects, target: SiteNumber, parent: dict[str, Any]
) -> tuple[str, str] | None:
    """The counterpart's id and key on ``target`` (``counterpart``)."""
    origin, parent_id, key = other(target), str(parent["id"]), str(parent.get("key") or "")
    secret = applier.config.marker_secret
    try:
        seen = await applier.clients[origin].get_issue(
            parent_id, fields=["updated"], properties=[LINK_PROPERTY]
        )
    except NotFound:  # gone, or out of the sync account's sight
        return None
    key = seen.key or key
    source = hierarchy.copied_from(seen.properties.get(LINK_PROPERTY), target, secret)
    if source is not None:
        pair_id = str(seen.properties[LINK_PROPERTY]["pair_id"])
        back = await remote_link(applier, target, source, f"jira-sync:{pair_id}")
        if hierarchy.names(back, key):
            return source, str(seen.properties[LINK_PROPERTY].get("key") or source)
    link = await remote_link(applier, origin, parent_id, hierarchy.global_id(origin, parent_id))
    copy_key = hierarchy.linked_key(link)
    if copy_key is None:
        return None
    try:
        copy = await applier.clients[target].get_issue(
            copy_key, fields=["updated"], properties=[LINK_PROPERTY]
        )
    except NotFound:
        return None
    marker = copy.properties.get(LINK_PROPERTY)
    if not hierarchy.copy_of(marker, origin, parent_id, secret):
        return None
    return copy.id, copy.key or copy_key


async def remote_link(applier: Effects, site: SiteNumber, issue: str, global_id: str) -> Any:
    """The issue's remote link with ``global_id`` (None: it has none)."""
    try:
        return await applier.clients[site].remote_link(issue, global_id)
    except NotFound:
        return None


async def perform(applier: Effects, run: Answer, action: ParentAction) -> None:
    """A move: where both issues are now (``SyncParent``), or the other one moved."""
    if isinstance(action, WriteParent):
        value = {"id": action.parent_id} if action.parent_id else None
        try:
            await applier.clients[action.site].edit_issue(
                action.issue_key, fields={"parent": value}
            )
        except BadRequest as error:  # a parent at a level JIRA refuses there
            why = f"not moved on site {action.site}: {error}"
            run.add(Warned("parent-not-set", why, field="parent"))
            return
        run.add(ParentsSeen({str(action.site): action.parent_id or ""}))
    elif all(action.keys):
        run.said = await _where(applier, action)


async def _where(applier: Effects, action: SyncParent) -> ParentRead:
    here, there = action.site, other(action.site)
    wanted = ["parent", "issuetype"]
    issue = await applier.clients[here].get_issue(action.keys[here - 1], fields=wanted)
    parent = at_create.parent_ref(issue.fields.get("parent"), issue.fields.get("issuetype"))
    found = await counterpart_ref(applier, there, parent) if parent is not None else None
    theirs = await applier.clients[there].get_issue(action.keys[there - 1], fields=wanted)
    now = theirs.fields.get("parent")
    there_id = str(now["id"]) if isinstance(now, dict) and now.get("id") else ""
    kind = theirs.fields.get("issuetype")
    return ParentRead(parent, found, there_id, isinstance(kind, dict) and bool(kind.get("subtask")))
