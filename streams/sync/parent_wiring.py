"""When a step follows a move to another parent (pure): a ``SyncParent`` is added to a
decision that carries no reads when a change of a complete pair shows its issue under
another parent than the pair last saw it under (``PairState.parents``; JIRA records the
move as an ``issue_updated``: a story put into an epic, moved to another, or taken out).
The echo of the sync's own move finds the parent seen already."""

from __future__ import annotations

import dataclasses

from streams.state import PairState
from streams.sync.at_create import PARENT
from streams.sync.attachment_wiring import complete
from streams.sync.decision import Decision
from streams.sync.messages import CreateCounterpart, IssueChanged, PairMessage
from streams.sync.parent_actions import SyncParent
from streams.sync.settled import ChangeSeen


def with_parent(message: PairMessage, pair: PairState | None, decision: Decision) -> Decision:
    if decision.reads or not isinstance(message, IssueChanged) or message.kind == "deleted":
        return decision
    if any(isinstance(a, SyncParent | CreateCounterpart) for a in decision.actions):
        return decision
    state = decision.state
    if pair is None or state is None or not complete(state) or PARENT not in message.values:
        return decision
    if not any(isinstance(fact, ChangeSeen) for fact in decision.events):
        return decision  # a duplicate, a stale event, a pair merged already in this resync
    now = message.values[PARENT]
    now_id = str(now["id"]) if isinstance(now, dict) else ""
    if now_id == pair.parents.get(str(message.site), ""):
        return decision
    return dataclasses.replace(decision, actions=[*decision.actions, SyncParent(message.site)])
