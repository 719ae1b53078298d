"""When a step looks at the pair's worklogs (pure), with ``SYNC_WORKLOGS`` on only:

- a worklog webhook of a complete pair, changed by someone other than the sync account
  (its own changes are copies, or follow an original: their echo costs nothing, not even
  a read; a deleted worklog's event names its last editor, so the deletion of a copy is
  the sync's too);
- a full resync or manual sync (a snapshot) looks at the pair;
- a counterpart is made (then after the create, on the issue it made);
- a retry follows a worklog action that failed.

Never for a paused (restricted or unreachable) or orphaned pair."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from streams.state import PairState
from streams.sync.attachment_wiring import complete
from streams.sync.decision import Decision, settled
from streams.sync.messages import (
    CreateCounterpart,
    IssueChanged,
    PairMessage,
    Reexamine,
    SyncConfig,
)
from streams.sync.settled import ChangeSeen, PairStarted
from streams.sync.worklog_actions import WORKLOG_ACTIONS, SyncWorklogs, WorklogChanged
from streams.sync.worklog_facts import WorklogSeen


def worklog_change(
    change: WorklogChanged, pair: PairState | None, config: SyncConfig, now: datetime
) -> Decision:
    """A worklog webhook: the pair's worklogs looked at, unless it is the sync's echo."""
    if not config.worklogs:
        return Decision(pair, note="worklogs are not synced")
    if pair is None or not complete(pair):
        return Decision(pair, note="worklog on an issue that is not synced (or not now)")
    if change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids:
        return Decision(pair, note="duplicate")
    seen = [WorklogSeen(change.webhook_id, config.dedup_window)]
    ours = config.integration_accounts.get(change.site)
    if ours is not None and change.actor == ours:
        return settled(pair, seen, now, note="echo")
    return settled(pair, seen, now, [SyncWorklogs()], note="worklog")


def with_worklogs(
    message: PairMessage, pair: PairState | None, decision: Decision, config: SyncConfig
) -> Decision:
    """``decision`` with the pair's worklogs looked at after its actions, when due."""
    if not config.worklogs or decision.reads or isinstance(message, WorklogChanged):
        return decision
    if any(isinstance(action, SyncWorklogs) for action in decision.actions):
        return decision
    if not wanted(message, pair, decision):
        return decision
    return dataclasses.replace(decision, actions=[*decision.actions, SyncWorklogs()])


def wanted(message: PairMessage, pair: PairState | None, decision: Decision) -> bool:
    if any(isinstance(action, CreateCounterpart) for action in decision.actions):
        return True
    if not complete(decision.state):
        return False
    if isinstance(message, Reexamine):
        failure = pair.failure if pair is not None else None
        return failure is not None and failure.reason.startswith(WORKLOG_ACTIONS)
    if not isinstance(message, IssueChanged) or message.kind != "snapshot":
        return False
    return any(isinstance(fact, ChangeSeen | PairStarted) for fact in decision.events)
