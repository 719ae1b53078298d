"""When a step looks at the pair's attachments (pure): a ``SyncAttachments`` is added to
a decision that carries no reads when the mapping file turns attachments on and

- a change's webhook says a file was added or deleted (a changelog item ``Attachment``, or
  an issue created with files), by someone other than the sync account (its own uploads
  are copies: their echo would find nothing to do);
- a full resync or manual sync (a snapshot) looks at the pair;
- a counterpart is made from a snapshot, a retry, a created issue with files, or a change
  of files (then after the create, on the issue it made);
- a retry follows an attachment action that failed.

Never for a paused (restricted or unreachable) or orphaned pair."""

from __future__ import annotations

import dataclasses

from streams.state import PairState, PairStatus
from streams.sync.attachment_actions import COPY_ACTIONS
from streams.sync.decision import Decision
from streams.sync.messages import (
    CreateCounterpart,
    IssueChanged,
    PairMessage,
    Reexamine,
    SyncAttachments,
    SyncConfig,
)
from streams.sync.settled import ChangeSeen, PairStarted
from streams.sync.visibility import PAUSED


def with_attachments(
    message: PairMessage, pair: PairState | None, decision: Decision, config: SyncConfig
) -> Decision:
    """``decision`` with the pair's attachments looked at after its actions, when due."""
    if not config.attachments.enabled or decision.reads:
        return decision
    if not wanted(message, pair, decision, config):
        return decision
    return dataclasses.replace(decision, actions=[*decision.actions, SyncAttachments()])


def wanted(
    message: PairMessage, pair: PairState | None, decision: Decision, config: SyncConfig
) -> bool:
    creating = any(isinstance(action, CreateCounterpart) for action in decision.actions)
    if not creating and not complete(decision.state):
        return False
    if isinstance(message, Reexamine):  # a create retried, or an attachment action
        failure = pair.failure if pair is not None else None
        return creating or (failure is not None and failure.reason.startswith(COPY_ACTIONS))
    if not isinstance(message, IssueChanged) or message.kind == "deleted":
        return False
    if not any(isinstance(fact, ChangeSeen | PairStarted) for fact in decision.events):
        return False  # a duplicate, a stale event, a pair merged already in this resync
    ours = config.integration_accounts.get(message.site)
    by_us = ours is not None and message.actor == ours
    return message.kind == "snapshot" or (message.attachments and not by_us)


def complete(state: PairState | None) -> bool:
    """Both issues known, and the pair neither paused nor orphaned."""
    if state is None or state.site1 is None or state.site2 is None:
        return False
    return state.status not in PAUSED and state.status is not PairStatus.ORPHANED
