"""When a step looks at the pair's attachments (pure): a ``SyncAttachments`` is added to
a decision that carries no reads when the mapping file turns attachments on and

- a change's webhook says a file was added or deleted (a changelog item ``Attachment``, or
  an issue created with files), by someone other than the sync account (its own uploads
  are copies: their echo would find nothing to do); also when the event is stale (a newer
  change was merged first, webhooks come in any order): that merge did not look at files;
- a full resync or manual sync (a snapshot) looks at the pair;
- a counterpart is made (then after the create, on the issue it made): it is made from a
  fresh read of the origin, which may hold files its queued events are now too stale to
  bring. Only a create from the router's first read of the issue (``text_read``) that saw
  no files there skips the look (that read lists the files too);
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
    if any(isinstance(action, CreateCounterpart) for action in decision.actions):
        if isinstance(message, IssueChanged) and message.text_read:
            return message.attachments
        return True
    if not complete(decision.state):
        return False
    if isinstance(message, Reexamine):  # an attachment action failed
        failure = pair.failure if pair is not None else None
        return failure is not None and failure.reason.startswith(COPY_ACTIONS)
    if not isinstance(message, IssueChanged) or message.kind == "deleted":
        return False
    ours = config.integration_accounts.get(message.site)
    files = message.attachments and not (ours is not None and message.actor == ours)
    if not any(isinstance(fact, ChangeSeen | PairStarted) for fact in decision.events):
        return files and late(message, pair)  # else a duplicate, or merged in this resync
    return message.kind == "snapshot" or files


def late(message: IssueChanged, pair: PairState | None) -> bool:
    """An event not taken (stale: a newer change came first) that is no duplicate."""
    return pair is not None and message.webhook_id not in pair.recent_webhook_ids


def complete(state: PairState | None) -> bool:
    """Both issues known, and the pair neither paused nor orphaned."""
    if state is None or state.site1 is None or state.site2 is None:
        return False
    return state.status not in PAUSED and state.status is not PairStatus.ORPHANED
