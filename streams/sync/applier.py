"""The effects (``streams.sync.effects``) as the engine uses them on a pair: an action given
what it needs of the pair (``running.prepared``), carried out, what JIRA said judged by the
pure policies (``policies.after``: more facts, the next actions, a retry), and all the facts
folded over the pair (``streams.sync.events.fold``); ``carry`` runs an action with the
actions it calls for, each right after the one that called for it. The pair is made
durable (``before_writes``) whenever the effect asks for it, as the fold of the facts so
far."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from streams.state import PairState
from streams.sync import policies
from streams.sync.effects import READ_FIELDS, Effects
from streams.sync.events import PairEvent, fold
from streams.sync.messages import Action
from streams.sync.running import Applied, Retry, prepared, resolved

__all__ = ["READ_FIELDS", "Applied", "Applier", "Retry"]


async def _nothing(pair: PairState) -> None:
    return None


@dataclass
class Applier(Effects):
    # Makes the pair durable before JIRA is written: its ``pending_create`` before a create,
    # its ``pending_comments`` before a comment copy, its ``pending_writes`` (the engine)
    # before field writes and transitions.
    before_writes: Callable[[PairState], Awaitable[None]] = _nothing

    async def apply(self, pair: PairState, action: Action, now: datetime) -> Applied:
        """One action carried out: what JIRA answered, as facts (``events``) folded over
        ``pair`` (``state``), and what the policies made of it (``then``: run next)."""

        async def durable(facts: list[PairEvent]) -> None:
            await self.before_writes(_folded(pair, facts, now))

        carried = prepared(action, pair)
        answer = await self.run(carried, now, durable)
        chosen = policies.after(carried, answer.said, self.config, now)
        facts = [*answer.events, *chosen.facts]
        retry = answer.retry or chosen.retry
        return Applied(_folded(pair, facts, now), retry, facts, chosen.then)

    async def carry(self, pair: PairState, action: Action, now: datetime) -> Applied:
        """``action`` and the actions it calls for (``Applied.then``), each right after the
        one that called for it, until one asks for a retry: their facts in order, folded."""
        state, events, queue = pair, [], [action]
        while queue:
            one = resolved(queue.pop(0), state)
            if one is None:  # about a counterpart that was not made
                continue
            applied = await self.apply(state, one, now)
            state = applied.state
            events.extend(applied.events)
            if applied.retry is not None:
                return Applied(state, applied.retry, events)
            queue[0:0] = applied.then
        return Applied(state, None, events)


def _folded(pair: PairState, facts: list[PairEvent], at: datetime) -> PairState:
    state = fold(pair, facts, at)
    if state is None:
        raise ValueError("an effect's facts removed the pair")
    return state
