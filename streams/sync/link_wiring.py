"""When a step looks at the pair's issue links (pure): a ``SyncLinks`` is added to a
decision that carries no reads when

- a counterpart is made of an issue that has outward links (after the create, so the
  links go to the issue it made);
- a change of a complete pair carries outward links other than those the pair last saw
  (a link added or removed on that side: JIRA records it as an ``issue_updated``; the
  echo of a link the sync made finds it seen already);
- a full resync or manual sync (a snapshot) looks at a pair that lists links not synced
  (their other end may be synced now);
- a retry follows a link action that failed."""

from __future__ import annotations

import dataclasses

from streams.state import PairState
from streams.sync.attachment_wiring import complete
from streams.sync.decision import Decision
from streams.sync.issue_links import ISSUELINKS, UNSYNCED, SyncLinks
from streams.sync.messages import CreateCounterpart, IssueChanged, PairMessage, Reexamine
from streams.sync.settled import ChangeSeen, PairStarted

LINK_ACTIONS = ("SyncLinks", "MakeLink", "RemoveLink")  # how a failure names them


def with_links(message: PairMessage, pair: PairState | None, decision: Decision) -> Decision:
    """``decision`` with the pair's links looked at after its actions, when due."""
    if decision.reads or any(isinstance(action, SyncLinks) for action in decision.actions):
        return decision
    if not wanted(message, pair, decision):
        return decision
    return dataclasses.replace(decision, actions=[*decision.actions, SyncLinks()])


def wanted(message: PairMessage, pair: PairState | None, decision: Decision) -> bool:
    creates = [a for a in decision.actions if isinstance(a, CreateCounterpart)]
    if creates:
        return bool(creates[0].values.get(ISSUELINKS))
    state = decision.state
    if state is None or not complete(state):
        return False
    if isinstance(message, Reexamine):
        failure = pair.failure if pair is not None else None
        return failure is not None and failure.reason.startswith(LINK_ACTIONS)
    if not isinstance(message, IssueChanged) or message.kind == "deleted":
        return False
    if not any(isinstance(fact, ChangeSeen | PairStarted) for fact in decision.events):
        return False  # a duplicate, a stale event, a pair merged already in this resync
    if ISSUELINKS not in message.values:
        return False
    known = (pair.links if pair is not None else {}).get(str(message.site), [])
    if message.values[ISSUELINKS] != known:
        return True
    unsynced = any(warning.code == UNSYNCED for warning in state.warnings)
    return message.kind == "snapshot" and unsynced
