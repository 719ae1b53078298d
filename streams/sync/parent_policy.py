"""What a parent read comes to (pure): the changed side's move followed on the other side
(under the new parent's counterpart, or out of its parent), or, when the new parent is not
synced, a warning and nothing moved; a sub-task is never taken out of its parent."""

from __future__ import annotations

from streams.sync.events import PairEvent
from streams.sync.facts import Cleared, Warned
from streams.sync.messages import Action, other
from streams.sync.parent_actions import ParentRead, SyncParent, WriteParent
from streams.sync.parent_facts import ParentsSeen
from streams.sync.running import Followed, Said

UNSYNCED_PARENT = "parent-unsynced"


def after(action: SyncParent, said: Said | None) -> Followed:
    if not isinstance(said, ParentRead) or not all(action.keys):
        return Followed()
    here, there = action.site, other(action.site)
    here_id = str(said.parent["id"]) if said.parent else ""
    seen: list[PairEvent] = [ParentsSeen({str(here): here_id})]
    if said.parent is not None and said.counterpart is None:
        key = said.parent.get("key") or here_id
        why = f"moved under {key} on site {here}, which is not synced: not moved on site {there}"
        return Followed([*seen, Warned(UNSYNCED_PARENT, why, field="parent")])
    wanted = said.counterpart[0] if said.counterpart is not None else ""
    cleared: list[PairEvent] = [Cleared(UNSYNCED_PARENT, "parent")]
    if wanted == said.there:
        return Followed([*seen, ParentsSeen({str(there): wanted}), *cleared])
    if not wanted and said.subtask_there:
        why = f"taken out of its parent on site {here}; a sub-task on site {there} keeps its own"
        return Followed([*seen, Warned(UNSYNCED_PARENT, why, field="parent")])
    move: list[Action] = [WriteParent(there, action.keys[there - 1], wanted or None)]
    return Followed([*seen, *cleared], move)
