"""Hierarchy, the pure part: an issue's parent as the sync carries it, whether a
counterpart is created under its parent's counterpart or waits for it, which marker proves
where a parent's counterpart is, and the type a sub-task's counterpart gets.

A parent is an issue of the same site, so its key means nothing on the other one: it is
never merged as a value. It is carried at the create (as the type is): the counterpart goes
under the parent's counterpart when the parent is synced; a child whose parent is not synced
yet waits (a retryable failure with the reason, retried until the parent's counterpart
exists); a sub-task is never created without its parent (JIRA refuses that with 400). A
standard issue whose epic's counterpart is not at the level JIRA requires (an unmapped epic
type) is created without the parent, with a warning (``streams.sync.creates``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from streams.sync import markers
from streams.sync.at_create import PARENT as PARENT
from streams.sync.at_create import parent_ref as parent_ref
from streams.sync.messages import SiteNumber, pair_id_for


@dataclass(frozen=True)
class UnderParent:
    """Create the counterpart under ``parent_id`` (the parent's counterpart)."""

    parent_id: str


@dataclass(frozen=True)
class TopLevel:
    """The origin has no parent: the counterpart is created without one."""


@dataclass(frozen=True)
class WaitForParent:
    """The parent's counterpart does not exist yet: the create waits, with ``reason``."""

    reason: str


ParentPlan = UnderParent | TopLevel | WaitForParent


def parent_plan(origin_parent: dict[str, Any] | None, counterpart: str | None) -> ParentPlan:
    """``origin_parent``: the origin's parent (``at_create.parent_ref``); ``counterpart``: the id of
    that parent's counterpart on the target, None when it has none (not synced yet)."""
    if origin_parent is None:
        return TopLevel()
    if counterpart is None:
        key = origin_parent.get("key") or origin_parent.get("id")
        return WaitForParent(f"waiting for its parent {key} to be synced")
    return UnderParent(counterpart)


def copied_from(marker: Any, target: SiteNumber, secret: SecretStr) -> str | None:
    """The id on ``target`` of the issue a parent was copied from, when the parent's own
    link marker says so and is one this deployment signed (a marker is writable by anyone
    who can edit the issue: an unsigned one proves nothing, and a signed one copied from
    another issue is caught by the remote link on the target, ``names``)."""
    if not _signed(marker, secret) or marker.get("site") != target:
        return None
    return str(marker["id"]) if marker.get("id") else None


def copy_of(marker: Any, origin: SiteNumber, parent_id: str, secret: SecretStr) -> bool:
    """``marker`` (read on the target) is the signed marker of the copy of ``parent_id``."""
    if not _signed(marker, secret) or marker.get("site") != origin:
        return False
    pair_id = pair_id_for(origin, parent_id)
    return bool(marker.get("pair_id") == pair_id and str(marker.get("id")) == parent_id)


def names(link: Any, key: str) -> bool:
    """``link`` (the sync's remote link on one side) points at ``key`` on the other: the
    second half of the proof, written on the site the marker is not on."""
    found = linked_key(link)
    return found is not None and bool(key) and found.casefold() == key.casefold()


def _signed(marker: Any, secret: SecretStr) -> bool:
    if not isinstance(marker, dict) or not isinstance(marker.get("nonce"), str):
        return False
    pair_id = marker.get("pair_id")
    return isinstance(pair_id, str) and markers.vouches(marker, pair_id, marker["nonce"], secret)


def global_id(origin: SiteNumber, parent_id: str) -> str:
    """The remote link the sync put on an origin issue, pointing at its counterpart."""
    return f"jira-sync:{pair_id_for(origin, parent_id)}"


def linked_key(link: Any) -> str | None:
    """The counterpart's key a remote link of the sync names (its URL ends in the key)."""
    target = link.get("object") if isinstance(link, dict) else None
    url = target.get("url") if isinstance(target, dict) else None
    if not isinstance(url, str) or "/browse/" not in url:
        return None
    return url.rsplit("/browse/", 1)[1] or None


def subtask_type(
    site: SiteNumber, wanted: str, subtask_types: frozenset[str]
) -> tuple[str, str | None]:
    """The type of a sub-task's counterpart: ``wanted`` (the origin's type, mapped) when it
    is a sub-task type on ``site``, else the site's sub-task type, with the warning."""
    if wanted in subtask_types or not subtask_types:
        return wanted, None
    chosen = min(subtask_types)
    problem = (
        f"issue type {wanted} is not a sub-task type on site {site} (map it in the mapping "
        f"file's issue_types); created as {chosen}"
    )
    return chosen, problem


PARENT_REFUSALS = ("parent", "parentId")  # the fields JIRA names refusing a parent


def refused_parent(errors: dict[str, str]) -> bool:
    """JIRA's 400 was about the parent (a level off: ``parentId``, "Given parent work item
    does not belong to appropriate hierarchy"; ``sandbox.hierarchy`` cites where from)."""
    return any(name in errors for name in PARENT_REFUSALS)
