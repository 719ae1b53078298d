"""How the applier's results move a pair's state (pure). The base moves only here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from streams.state import IssueRef, PairFailure, PairState, PairStatus, PairWarning
from streams.sync.messages import (
    Action,
    CreateCounterpart,
    RecoverCreate,
    TransitionTo,
    WriteFields,
)

MAX_WARNINGS = 20


def created(
    pair: PairState,
    action: CreateCounterpart | RecoverCreate,
    issue_id: str,
    key: str,
    now: datetime,
    held: dict[str, Any] | None = None,
) -> PairState:
    """``held``: what the new issue holds instead of the values it was asked to carry."""
    return created_on(pair, action.site, issue_id, key, action.values, now, held)


def created_on(
    pair: PairState,
    site: int,
    issue_id: str,
    key: str,
    values: dict[str, Any],
    now: datetime,
    held: dict[str, Any] | None = None,
) -> PairState:
    ref = IssueRef(site=site, id=issue_id, key=key)
    side = {"site1": ref} if site == 1 else {"site2": ref}
    return _bump(
        pair,
        now,
        **side,
        base={**pair.base, **values},
        held=_holding(pair, site, values, held),
        pending_create=None,
        **_synced(pair, site, now),
    )


def unagreed(pair: PairState, values: dict[str, Any], now: datetime) -> PairState:
    """``values`` were asked of a side but not written there (a create left them out): the
    pair has not agreed on them, so the next merge copies them from the origin."""
    if not values:
        return pair
    base = {k: v for k, v in pair.base.items() if k not in values}
    return _bump(pair, now, base=base)


def written(
    pair: PairState,
    action: WriteFields | TransitionTo,
    now: datetime,
    held: dict[str, Any] | None = None,
) -> PairState:
    return written_on(pair, action.site, asked(action), now, held)


def written_on(
    pair: PairState,
    site: int,
    values: dict[str, Any],
    now: datetime,
    held: dict[str, Any] | None = None,
    agreed: bool = True,
) -> PairState:
    """``agreed`` False: values put back on ``site`` (``overwrites``): the base stays."""
    return _bump(
        pair,
        now,
        base={**pair.base, **values} if agreed else pair.base,
        held=_holding(pair, site, values, held),
        pending_writes=_unpending(pair.pending_writes, site, values),
        unseen_writes=_unseen(pair, site, values),
        **_synced(pair, site, now),
    )


def status_assumed(pair: PairState, site: int, assumed: bool) -> PairState:
    """``site``'s status taken to be the agreed one (``assumed``), or now known."""
    sites = {*pair.assumed_status} - {str(site)} | ({str(site)} if assumed else set())
    if sites == set(pair.assumed_status):
        return pair
    return pair.model_copy(update={"assumed_status": sorted(sites)})


def _unseen(pair: PairState, site: int, values: dict[str, Any]) -> dict[str, list[str]]:
    """The fields written to ``site`` that no merge of it has seen yet, these included."""
    names = sorted({*pair.unseen_writes.get(str(site), []), *values})
    return {**pair.unseen_writes, str(site): names}


def writes_pending(pair: PairState, actions: list[WriteFields | TransitionTo]) -> PairState:
    """The values about to be written, recorded (and made durable) before any is sent."""
    return pending_on(pair, asked_of(actions))


def asked_of(actions: list[WriteFields | TransitionTo]) -> dict[str, dict[str, Any]]:
    """The values ``actions`` ask of each side (``"1"``/``"2"``), later ones winning."""
    wanted: dict[str, dict[str, Any]] = {}
    for action in actions:
        wanted.setdefault(str(action.site), {}).update(asked(action))
    return wanted


def pending_on(pair: PairState, writes: dict[str, dict[str, Any]]) -> PairState:
    pending = {side: dict(fields) for side, fields in pair.pending_writes.items()}
    for side, values in writes.items():
        pending.setdefault(side, {}).update(values)
    return pair.model_copy(update={"pending_writes": pending})


def asked(action: WriteFields | TransitionTo) -> dict[str, Any]:
    if isinstance(action, WriteFields):
        return action.values
    return {"status": action.status, "resolution": action.resolution}


def _unpending(
    pending: dict[str, dict[str, Any]], site: int, values: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    kept = {
        side: {k: v for k, v in fields.items() if side != str(site) or k not in values}
        for side, fields in pending.items()
    }
    return {side: fields for side, fields in kept.items() if fields}


def _holding(
    pair: PairState, site: int, values: dict[str, Any], held: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """The copied fields are agreed again (both sides hold the new base), except where the
    target holds something else."""
    kept = {
        side: {k: v for k, v in fields.items() if k not in values}
        for side, fields in pair.held.items()
    }
    if held:
        kept[str(site)] = {**kept.get(str(site), {}), **held}
    return {side: fields for side, fields in kept.items() if fields}


def failed(
    pair: PairState,
    action: Action,
    reason: str,
    retryable: bool,
    now: datetime,
    next_retry_at: datetime | None = None,
) -> PairState:
    what = type(action).__name__
    return failed_at(pair, what, action.site, reason, retryable, now, next_retry_at)


def failed_at(
    pair: PairState,
    what: str,
    site: int,
    reason: str,
    retryable: bool,
    now: datetime,
    next_retry_at: datetime | None = None,
) -> PairState:
    attempts = pair.failure.attempts + 1 if pair.failure is not None else 1
    failure = PairFailure(
        reason=f"{what} on site {site}: {reason}",
        retryable=retryable,
        attempts=attempts,
        at=now,
        next_retry_at=next_retry_at,
    )
    status = PairStatus.PENDING if retryable else PairStatus.FAILED
    return _bump(pair, now, failure=failure, status=status)


def warned(
    pair: PairState, code: str, message: str, now: datetime, field: str | None = None
) -> PairState:
    kept = [w for w in pair.warnings if (w.code, w.field) != (code, field)]
    warning = PairWarning(code=code, message=message, field=field, at=now)
    return _bump(pair, now, warnings=[*kept, warning][-MAX_WARNINGS:])


def cleared(pair: PairState, code: str, now: datetime, field: str | None = None) -> PairState:
    kept = [w for w in pair.warnings if (w.code, w.field) != (code, field)]
    return pair if len(kept) == len(pair.warnings) else _bump(pair, now, warnings=kept)


def _synced(pair: PairState, site: int, now: datetime) -> dict[str, Any]:
    status = PairStatus.CONFLICTED if pair.conflicts else PairStatus.SYNCED
    return {
        "status": status,
        "failure": None,
        "last_synced_at": {**pair.last_synced_at, str(site): now},
        "counters": {**pair.counters, "writes": pair.counters.get("writes", 0) + 1},
    }


def _bump(pair: PairState, now: datetime, **update: Any) -> PairState:
    return pair.model_copy(update={**update, "version": pair.version + 1, "updated_at": now})


V = TypeVar("V")


def _dropped(mapping: dict[str, V], key: str) -> dict[str, V]:
    return {k: v for k, v in mapping.items() if k != key}


def comment_pending(pair: PairState, source: str, now: datetime) -> PairState:
    """A comment copy is about to be asked of JIRA (recorded first, like a create), or a
    copy, edit or removal failed for good: the next merge of the pair does it again."""
    return _bump(pair, now, pending_comments={**pair.pending_comments, source: now})


def comment_updated(pair: PairState, source: str, now: datetime) -> PairState:
    """The copy holds its original again: an edit that failed before is done."""
    if source not in pair.pending_comments:
        return pair
    pending = _dropped(pair.pending_comments, source)
    return _bump(pair, now, pending_comments=pending)


def comment_copied(pair: PairState, source: str, copy: str, now: datetime) -> PairState:
    pending = _dropped(pair.pending_comments, source)
    counters = {**pair.counters, "comments": pair.counters.get("comments", 0) + 1}
    return _bump(
        pair,
        now,
        comment_map={**pair.comment_map, source: copy},
        pending_comments=pending,
        counters=counters,
    )


def comment_unmapped(pair: PairState, source: str, now: datetime) -> PairState:
    if source not in pair.comment_map and source not in pair.pending_comments:
        return pair
    kept = _dropped(pair.comment_map, source)
    pending = _dropped(pair.pending_comments, source)
    return _bump(pair, now, comment_map=kept, pending_comments=pending)
