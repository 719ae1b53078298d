"""The choices the effects used to make themselves, as pure functions of what JIRA answered.

The effects (``streams.sync.effects``) read and write and say what JIRA answered
(``running.Said``); what follows from an answer is decided here, by ``after``, which the
applier calls after each action (``streams.sync.applier``): whether a lost create is
found, waited for or made again; what a refused field write leaves to write again; what a
create screen left out; which resolution an issue holds after a move; whether a new issue
someone else already moved keeps their status (a guarded move's ``StatusHistory``); the
next step of a comment's copy (``streams.sync.copy_policy``). The
facts these decisions produce are events (``streams.sync.facts``); the actions they ask
for next (a write of the rest, a guarded transition, the move a history allowed) are run
by the engine after the action that answered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.sync import (
    at_create,
    attachment_plan,
    copy_policy,
    differences,
    echo_reads,
    link_policy,
    markers,
    parent_policy,
    screens,
    worklog_plan,
)
from streams.sync.assumed import StatusSeen
from streams.sync.attachment_actions import AttachmentAction
from streams.sync.comment_actions import CopyStep
from streams.sync.copy_policy import CommentPlan as CommentPlan
from streams.sync.copy_policy import comment_plan as comment_plan
from streams.sync.copy_policy import look_for_lost_copy as look_for_lost_copy
from streams.sync.creating import adopted_comments
from streams.sync.events import PairEvent
from streams.sync.facts import (
    Cleared,
    CreateFound,
    FieldsUnagreed,
    StatusReached,
    Warned,
    WriteFailed,
)
from streams.sync.fields import RESOLUTION, FieldMaps
from streams.sync.issue_links import SyncLinks
from streams.sync.messages import (
    Action,
    Attribute,
    CopyComment,
    CreateCounterpart,
    CrossLink,
    ReadEchoes,
    ReadResolution,
    RecoverCreate,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    WriteFields,
    carried,
    other,
)
from streams.sync.overwrites import StatusMovedSince
from streams.sync.parent_actions import SyncParent
from streams.sync.running import (
    REFUSED_WARNING,
    Candidate,
    EchoesRead,
    Followed,
    LeftOut,
    Moved,
    Refused,
    Retry,
    Said,
    Searched,
    StatusHistory,
)
from streams.sync.worklog_actions import SyncWorklogs

LEFT_OUT_WARNING = "field-not-on-create-screen"


@dataclass(frozen=True)
class Found:
    """The lost create exists: the pair adopts it."""

    issue_id: str
    issue_key: str


@dataclass(frozen=True)
class Wait:
    """Not found within the grace (search may lag): look again in ``seconds``."""

    reason: str
    seconds: float


@dataclass(frozen=True)
class CreateAgain:
    """Not found after the grace: the create never happened; it is made again."""

    create: CreateCounterpart


Recovery = Found | Wait | CreateAgain


def made_by(action: RecoverCreate, candidate: Candidate, config: SyncConfig) -> bool:
    """``candidate`` carries the marker the create of ``action`` wrote (``markers.vouches``)
    and was not created by someone other than the sync account (when that is known)."""
    pair_id = str(action.link.get("pair_id"))
    nonce = action.link.get("nonce")
    nonce = nonce if isinstance(nonce, str) else None
    if not markers.vouches(candidate.marker, pair_id, nonce, config.marker_secret):
        return False
    ours = config.integration_accounts.get(action.site)
    return ours is None or candidate.creator in (None, ours)


def recovery(
    action: RecoverCreate, newest_first: Iterable[Candidate], config: SyncConfig, now: datetime
) -> Recovery:
    """What a search of the project's recent issues means for a create never confirmed:
    ours found (of several, the first made: a copy comes later), or, not found, waited for
    until the grace is over, then made again (with the intent's marker and nonce)."""
    ours = [c for c in newest_first if made_by(action, c, config)]
    if ours:
        earliest = ours[-1]
        return Found(earliest.issue_id, earliest.issue_key or earliest.issue_id)
    waited = (now - action.requested_at).total_seconds()
    grace = config.create_grace.total_seconds()
    if waited < grace:
        reason = "an earlier create is not confirmed yet; waiting for it to show in search"
        return Wait(reason, grace - waited)
    return CreateAgain(again(action))


def again(action: RecoverCreate) -> CreateCounterpart:
    return carried(CreateCounterpart, action)


def status_after_create(site: SiteNumber, key: str, status: str | None) -> list[Action]:
    """A recovered or remade counterpart's status: the dead worker may or may not have
    moved it, and someone may have since (guarded: theirs is kept)."""
    return [] if status is None else [TransitionTo(site, key, status, guarded=True)]


def moved_by_others(status_authors: Iterable[str | None], ours: str | None) -> bool:
    """Someone other than the sync account changed the issue's status (its changelog's
    status entries, by author): a guarded transition then leaves it where they put it."""
    return any(author != ours for author in status_authors)


def after(action: Action, said: Said | None, config: SyncConfig, now: datetime) -> Followed:
    """What JIRA said of ``action`` (``running.Said``) comes to: the rest of a refused
    write, the values a create screen left out, what a recovery search found (or a wait,
    or the create made again). Nothing said: nothing follows."""
    if isinstance(said, Refused) and isinstance(action, WriteFields):
        return refused_write(action, said.field_ids, said.reason, config.maps)
    if isinstance(said, LeftOut):
        return left_out_of_create(said.create, said.issue_key, said.field_ids, config)
    if isinstance(said, Searched) and isinstance(action, RecoverCreate):
        return recovered(action, recovery(action, said.candidates, config, now), config)
    if isinstance(said, Moved) and isinstance(action, TransitionTo | ReadResolution):
        return reached(
            action if isinstance(action, TransitionTo) else action.move, said, config.maps
        )
    if isinstance(said, EchoesRead) and isinstance(action, ReadEchoes):
        return echo_reads.checked(action, said, config)
    if isinstance(said, StatusHistory) and isinstance(action, TransitionTo):
        return guarded_move(action, said, config)
    if isinstance(action, CopyComment | CopyStep):
        return copy_policy.next_step(action, said, config.maps.users, config.maps.files)
    if isinstance(action, AttachmentAction):
        return attachment_plan.after(action, said, config)
    if isinstance(action, SyncLinks):
        return link_policy.after(action, said, config)
    if isinstance(action, SyncParent):
        return parent_policy.after(action, said)
    if isinstance(action, SyncWorklogs):
        return worklog_plan.after(action, said, config)
    return Followed()


def guarded_move(action: TransitionTo, said: StatusHistory, config: SyncConfig) -> Followed:
    """A new issue found away from its status: left where someone else moved it (the
    status counts as reached, with the resolution it holds read when the origin has one),
    else moved from where it is."""
    if not moved_by_others(said.authors, config.integration_accounts.get(action.site)):
        return Followed(then=[dataclasses.replace(action, guarded=False, start=said.current)])
    if action.checks:  # a status taken, not read: their move is a change made there
        return Followed([StatusSeen(action.site), StatusMovedSince(action.site, said.current)])
    if screens.resolution_unknown(action, None):
        return Followed(then=[ReadResolution(action)])
    return reached(action, Moved(None, None), config.maps)


def reached(action: TransitionTo, said: Moved, maps: FieldMaps) -> Followed:
    """A move made (or none due): the status reached, with the resolution the issue holds
    when it is not the origin's (warned about when no screen gave it)."""
    held = resolution_held(action, said.given, said.holds, maps)
    began = None if action.restore else maps.statuses.to_canonical(action.site, said.began)
    agreed = not action.restore
    status = StatusReached(
        action.site, action.status, action.resolution, held, began, agreed, said.assumed
    )
    cleared = Cleared("status-unreachable", "status")
    return Followed([status, cleared, *screens.reported(action, said.given, held)])


def recovered(action: RecoverCreate, chosen: Recovery, config: SyncConfig) -> Followed:
    """A recovery's choice as facts and next actions: the found issue adopted and linked,
    or made again; either way its status reached (guarded); a wait is a retry."""
    if isinstance(chosen, Wait):
        return Followed(retry=Retry(chosen.reason, chosen.seconds))
    facts: list[PairEvent] = []
    then: list[Action]
    if isinstance(chosen, Found):
        key = chosen.issue_key
        facts.append(CreateFound(action.site, chosen.issue_id, key, action.values))
        then = [CrossLink(action.site, best_effort=True)]
        comments = adopted_comments(action.site, key, action.origin_key, config)
    else:
        key = ""  # messages.JUST_MADE: the issue the create makes
        then, comments = [chosen.create], []
    moved = status_after_create(action.site, key, action.status)
    return Followed(facts, [*then, *moved, *comments])


def refused_write(
    action: WriteFields, field_ids: list[str], reason: str, maps: FieldMaps
) -> Followed:
    """The edit screen refused fields (by field id): those are left out and warned about
    by their canonical name, the rest is written again (once: the write of the rest asks
    no more). A refusal that names none of the fields written fails the pair."""
    named = differences.canonical_names(action.site, field_ids, maps)
    blocked = {name: named[name] for name in named if name in action.values}
    if not blocked:
        return Followed([WriteFailed("WriteFields", action.site, reason, retryable=False)])
    facts: list[PairEvent] = [
        Warned(REFUSED_WARNING, differences.not_on_edit_screen(action.site, name, fid), name)
        for name, fid in blocked.items()
    ]
    rest = {k: v for k, v in action.values.items() if k not in blocked}
    return Followed(facts, [WriteFields(action.site, action.issue_key, rest)] if rest else [])


def left_out_of_create(
    action: CreateCounterpart | RecoverCreate, key: str, field_ids: list[str], config: SyncConfig
) -> Followed:
    """The values the create screen refused: not agreed (a later merge sets them), warned
    about, and set by an edit of the new issue (whose screen may have them); a value only a
    create carries (the reporter) is not asked again: an attribution names the reporter
    where the counterpart could not be given them."""
    maps = config.maps
    names = differences.canonical_names(action.site, field_ids, maps)
    dropped = {
        name: action.values[name]
        for name in names
        if name in action.values and name not in at_create.ONLY_AT_CREATE
    }
    facts: list[PairEvent] = [FieldsUnagreed(dropped)] if dropped else []
    for name, field_id in names.items():
        message = differences.not_on_create_screen(action.site, name, field_id)
        facts.append(Warned(LEFT_OUT_WARNING, message, name))
    then: list[Action] = [WriteFields(action.site, key, dropped)] if dropped else []
    return Followed(facts, then + attributed(action, key, at_create.REPORTER in names, config))


def attributed(
    action: CreateCounterpart | RecoverCreate, key: str, refused: bool, config: SyncConfig
) -> list[Action]:
    """The attribution comment, when the counterpart could not be given the reporter (no
    Modify Reporter there, the screen refused it, or the person has no account there)."""
    if not config.attribution:
        return []
    reporter = action.values.get(at_create.REPORTER)
    settable = action.site in config.reporter_sites and not refused
    if settable and at_create.reporter_field(action.site, reporter, config.maps.users):
        return []
    text = at_create.attribution(reporter, action.origin_key, other(action.site))
    return [] if text is None else [Attribute(action.site, key, text)]


def resolution_held(
    action: TransitionTo, given: str | None, holds: str | None, maps: FieldMaps
) -> dict[str, Any]:
    """The resolution the issue holds instead of the origin's, when it differs: ``given``
    (this site's name) on a screen on the way, else ``holds`` (canonical, read after the
    move: what the site's own post-function set)."""
    if given is not None:
        holds = maps.resolutions.to_canonical(action.site, given)
    elif action.resolution is None:
        return {}
    return {RESOLUTION: holds} if holds != action.resolution else {}
