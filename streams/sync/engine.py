"""One step of the engine for one pair: decide, read what the model asks, apply, fold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.state import PairState
from streams.sync.applier import Applier, Retry
from streams.sync.messages import Fetch, IssueChanged, Observation, SyncConfig
from streams.sync.model import decide


@dataclass
class StepResult:
    state: PairState | None
    note: str
    retry: Retry | None = None
    writes: int = 0


async def handle(
    change: IssueChanged,
    pair: PairState | None,
    config: SyncConfig,
    applier: Applier,
    now: datetime,
) -> StepResult:
    decision = decide(change, pair, config, now)
    fetches = [action for action in decision.actions if isinstance(action, Fetch)]
    if fetches:
        observed: dict[int, Observation] = {f.site: await applier.observe(f) for f in fetches}
        decision = decide(change, pair, config, now, observed)
    state, writes = decision.state, 0
    for action in decision.actions:
        if state is None:
            break
        applied = await applier.apply(state, action, now)
        state, writes = applied.state, writes + 1
        if applied.retry is not None:
            return StepResult(state, decision.note, applied.retry, writes)
    return StepResult(state, decision.note, None, writes)
