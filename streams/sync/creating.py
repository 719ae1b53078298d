"""The pure decisions about a pair's counterpart: the first sight of an issue (a pair
starts, or is refused), the create and its status, a lost create recovered or adopted, and
the origin's earlier comments once the counterpart exists."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from streams.state import (
    IssueRef,
    PairState,
    PairStatus,
    PairWarning,
    PendingCreate,
)
from streams.sync import visibility
from streams.sync.at_create import ONLY_AT_CREATE
from streams.sync.decision import Decision, settled
from streams.sync.events import PairEvent
from streams.sync.jql_filter import refusal
from streams.sync.messages import (
    Action,
    CopyComments,
    CreateCounterpart,
    IssueChanged,
    RecoverCreate,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    carried,
    other,
    pair_id_for,
)
from streams.sync.rich_text import carries_webhook_text
from streams.sync.settled import PairStarted, Skipped, side_marker


def create_actions(
    pair: PairState,
    values: dict[str, Any],
    config: SyncConfig,
    webhook_text: bool = False,
    comments: bool = True,
) -> list[Action]:
    """The create, then the origin's status (a create cannot carry one): done in the same
    step, so the pair agrees on the status before anyone can change the new issue's.
    ``webhook_text``: ``values`` hold rich text as a webhook rendered it (wiki markup).
    ``comments``: the origin's comments are read (those written before the counterpart)."""
    status = values.get("status") if config.sync_status else None
    create = _create(pair, values, config, status)
    if webhook_text:
        create = dataclasses.replace(create, webhook_text=True)
    actions: list[Action] = [create]
    if status is not None:  # "": the issue just created
        resolution = values.get("resolution")
        actions.append(TransitionTo(create.site, "", status, guarded=True, resolution=resolution))
    return [*actions, *(earlier_comments(pair, config) if comments else [])]


def adopted_comments(
    site: SiteNumber, key: str, origin_key: str, config: SyncConfig
) -> list[Action]:
    """Once a lost create is adopted: the comments people wrote on it before (their own
    events, reaching the pair before the create was confirmed, found no pair to copy to);
    the sync's own comments there are copies or attributions, never copied back."""
    if not config.sync_comments:
        return []
    return [CopyComments(site, key, other(site), origin_key)]


def earlier_comments(pair: PairState, config: SyncConfig) -> list[Action]:
    """Once the counterpart exists: the origin's comments written before it did."""
    origin = pair.side(pair.origin)
    if not config.sync_comments or origin is None:
        return []
    return [CopyComments(origin.site, origin.key, other(origin.site), "")]


def _create(
    pair: PairState, values: dict[str, Any], config: SyncConfig, status: str | None = None
) -> CreateCounterpart:
    origin = pair.side(pair.origin)
    if origin is None:
        raise ValueError(f"pair {pair.pair_id} does not know its origin issue")
    target = other(pair.origin)
    link = {"pair_id": pair.pair_id, "site": origin.site, "id": origin.id, "key": origin.key}
    carried = {*config.fields, *ONLY_AT_CREATE}  # type, parent, reporter: set at the create
    wanted = {k: v for k, v in values.items() if k in carried}
    return CreateCounterpart(target, config.project_keys[target], wanted, link, origin.key, status)


def recover_action(pending: PendingCreate) -> RecoverCreate:
    return carried(RecoverCreate, pending)


def first_sight(change: IssueChanged, config: SyncConfig, now: datetime) -> Decision:
    if change.kind == "deleted":
        return Decision(None, note="deleted before it was synced")
    level = visibility.unmapped_level(change.values, config)
    project = config.project_keys.get(change.site)
    if project is not None and change.issue_key.rpartition("-")[0] != project:
        return Decision(None, note=f"ignored: not in project {project}")
    refused = config.filters.admits(change.values) or refusal(change, config.filters.jql)
    if refused is not None:
        return Decision(None, note=f"ignored: {refused}")
    origin = IssueRef(site=change.site, id=change.issue_id, key=change.issue_key)
    state = PairState(
        pair_id=pair_id_for(change.site, change.issue_id),
        version=1,
        origin=change.site,
        connection=config.connection,
        site1=origin if change.site == 1 else None,
        site2=origin if change.site == 2 else None,
        status=PairStatus.PENDING,
        markers={str(change.site): side_marker(change.updated)},
        recent_webhook_ids=[change.webhook_id] if change.webhook_id else [],
        warnings=_refused_marker(change, now),
        updated_at=now,
    )
    started: list[PairEvent] = [PairStarted(state)]
    if level is not None:  # never copied: the pair only records why
        skipped = [*started, Skipped(change.site, change.issue_key, level)]
        return settled(None, skipped, now, note=f"skipped: security level {level}")
    webhook_text = has_webhook_text(change, config)
    earlier = not first_of_its_issue(change)
    creating = create_actions(state, change.values, config, webhook_text, earlier)
    return settled(None, started, now, creating, note="create counterpart")


def first_of_its_issue(change: IssueChanged) -> bool:
    """The issue's own ``issue_created``, the first event of it the router saw (``text_read``:
    its first sight, read or a person's plain issue): no comment event of it came before,
    so none was dropped for want of a pair, and every later one finds the pair made. Its
    comments need no read (a snapshot, an edit seen first, a retry: they are read)."""
    return change.kind == "created" and change.text_read


def has_webhook_text(change: IssueChanged, config: SyncConfig) -> bool:
    """A webhook's rich text is wiki markup, never to be written (snapshots are REST reads)."""
    if change.kind == "snapshot" or change.text_read:
        return False
    return carries_webhook_text(change.values, config.maps)


def _refused_marker(change: IssueChanged, now: datetime) -> list[PairWarning]:
    """An issue whose link marker named a pair that did not take it (a copied or forged
    marker, ``streams.sync.markers``) starts its own pair, which says so."""
    if change.refused is None:
        return []
    return [PairWarning(code="marker-refused", message=change.refused, at=now)]
