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

from hypothesis import HealthCheck, event, given, settings

from sandbox.contract import OpenApiContract
from streams.sync.replay import JournalFold
from tests.infra import OPENAPI_SPEC
from tests.sync_sim.emulated import PAIR, SITES, EmulatedWorld, emulated
from tests.sync_sim.scenarios import Outcome, Scenario, check_converged, scenarios, synced_fields

SCENARIOS = 100


async def check_replay(world: EmulatedWorld) -> None:
    """The journal folds back to the pair the engine ended with, step by step exactly."""
    fold = JournalFold(world.config, {})
    for record in world.journal:
        await fold.take(record)
    rebuilt = fold.rebuilt
    assert rebuilt.diverged == {}
    assert rebuilt.incomplete == set()
    assert rebuilt.pairs.get(PAIR) == world.pair
    assert rebuilt.steps == sum(1 for r in world.journal if r["kind"] == "step") > 0
    # A journal that lost the last answer JIRA gave is caught, not folded into a guess.
    cut = copy.deepcopy(world.journal)
    last = next(r for r in reversed(cut) if r["kind"] == "step" and r["exchanges"])
    last["exchanges"].pop()
    broken = JournalFold(world.config, {})
    for record in cut:
        await broken.take(record)
    assert PAIR in broken.rebuilt.diverged
    # Kafka redelivers a step (at least once): it starts again from where it started.
    steps = [r for r in world.journal if r["kind"] == "step"]
    again = JournalFold(world.config, {})
    for record in [*world.journal, steps[-1]]:
        await again.take(record)
    assert again.rebuilt.diverged == {}
    assert again.rebuilt.pairs.get(PAIR) == world.pair
    # A journal whose start expired says so instead of rebuilding from the middle.
    later = [r for r in world.journal if r["kind"] == "step" and r["before"] is not None]
    if later:
        tail = JournalFold(world.config, {})
        for record in world.journal[world.journal.index(later[0]) :]:
            await tail.take(record)
        assert tail.rebuilt.incomplete == {PAIR}


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
