"""The exact in-process simulation: the scenarios of the pure model's convergence test,
50 per run, through the real engine, applier and JIRA client against two emulated sites
over HTTP (``tests.sync_sim.emulated``), and each one's journal folded back by the replay.

The same properties after quiescence (``check_converged``), with the writes counted from
the emulators' call logs, and those counts equal, kind by kind and site by site, to what
the applier was asked to do: no hidden retry, no duplicate create, no write nobody asked.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from hypothesis import HealthCheck, event, given, settings

from sandbox.contract import OpenApiContract
from streams.sync.journal import digest
from streams.sync.replay import JournalFold, Rebuilt, after_step
from tests.infra import OPENAPI_SPEC
from tests.sync_sim.emulated import PAIR, SITES, EmulatedWorld, emulated
from tests.sync_sim.scenarios import Outcome, Scenario, check_converged, scenarios, synced_fields

SCENARIOS = 100


# The engine's steps carry their events once core's ``StepResult.events`` is merged; until
# then a step journals none and its events cannot fold back to its state.


def folded(journal: list[dict[str, Any]]) -> Rebuilt:
    fold = JournalFold()
    for record in journal:
        fold.take(record)
    return fold.rebuilt


def lose_an_event(journal: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The journal without the last event that moved its pair (None: no event moved it)."""
    fold = JournalFold()
    taken = [(index, fold.take(record)) for index, record in enumerate(journal)]
    for index, done in reversed(taken):
        for n in reversed(range(len(done.facts) if done is not None else 0)):
            assert done is not None
            rest = done.facts[:n] + done.facts[n + 1 :]
            try:
                moved = digest(after_step(done.message, done.before, rest, done.step))
            except Exception:  # an event the others need: losing it matters
                moved = None
            if moved != done.step.after:
                cut = copy.deepcopy(journal)
                del cut[index]["events"][n]
                return cut
    return None


async def check_replay(world: EmulatedWorld) -> None:
    """The journal folds back to the pair the engine ended with, step by step exactly."""
    rebuilt = folded(world.journal)
    assert rebuilt.diverged == {}
    assert rebuilt.incomplete == set()
    assert rebuilt.pairs.get(PAIR) == world.pair
    assert rebuilt.steps == sum(1 for r in world.journal if r["kind"] == "step") > 0
    # A journal that lost an event of a step is caught, not folded into a guess.
    cut = lose_an_event(world.journal)
    if cut is not None:
        assert PAIR in folded(cut).diverged
    # Kafka redelivers a step (at least once): it starts again from where it started.
    steps = [r for r in world.journal if r["kind"] == "step"]
    again = folded([*world.journal, steps[-1]])
    assert again.diverged == {}
    assert again.pairs.get(PAIR) == world.pair
    # A journal whose start expired says so instead of rebuilding from the middle.
    later = [r for r in world.journal if r["kind"] == "step" and r["before"] is not None]
    if later:
        tail = folded(world.journal[world.journal.index(later[0]) :])
        assert tail.incomplete == {PAIR}


CONTRACT = OpenApiContract(OPENAPI_SPEC)  # every request and answer held to JIRA's description


async def simulate(
    scenario: Scenario,
) -> tuple[Outcome, dict[int, tuple[dict[str, int], dict[str, int]]]]:
    async with emulated(scenario, contract=CONTRACT) as world:
        outcome = await world.run()
        world.check_comments()
        await check_replay(world)
        counts = {site: world.counts(site) for site in SITES}
        fields = synced_fields(world.config)
        for site in SITES:
            assert world.running[site].emulator.contract_violations == []
    check_converged(outcome, fields)
    return outcome, {site: (c.calls, c.expected) for site, c in counts.items()}


@settings(
    max_examples=SCENARIOS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
@given(scenarios(max_edits=10, comments=True))
def test_random_concurrent_edits_converge_through_the_real_engine_with_exact_writes(
    scenario: Scenario,
) -> None:
    outcome, counts = asyncio.run(simulate(scenario))
    for site, (calls, expected) in counts.items():
        assert calls == expected, (
            f"site {site}: the call log has {calls}, the applier asked {expected}"
        )
    assert outcome.pair is not None
    event(f"conflicts at the end: {len(outcome.pair.conflicts)}")
    event(f"field writes: {sum(outcome.field_writes.values())}")
    event(f"comment writes: {sum(outcome.comment_writes.values())}")
