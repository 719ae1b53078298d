"""The exact in-process simulation: the scenarios of the pure model's convergence test,
50 per run, through the real engine, applier and JIRA client against two emulated sites
over HTTP (``tests.sync_sim.emulated``).

The same properties after quiescence (``check_converged``), with the writes counted from
the emulators' call logs, and those counts equal, kind by kind and site by site, to what
the applier was asked to do: no hidden retry, no duplicate create, no write nobody asked.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, event, given, settings

from sandbox.contract import OpenApiContract
from tests.infra import OPENAPI_SPEC
from tests.sync_sim.emulated import SITES, emulated
from tests.sync_sim.scenarios import Outcome, Scenario, check_converged, scenarios, synced_fields

SCENARIOS = 100
CONTRACT = OpenApiContract(OPENAPI_SPEC)  # every request and answer held to JIRA's description


async def simulate(
    scenario: Scenario,
) -> tuple[Outcome, dict[int, tuple[dict[str, int], dict[str, int]]]]:
    async with emulated(scenario, contract=CONTRACT) as world:
        outcome = await world.run()
        world.check_comments()
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
