"""The fold, with no I/O: projection of a state, the version rule, the totals."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from projections.fold import MAX_VALUE_CHARS, MAX_WARNINGS, bounded, evolve, plan, project
from projections.model import Head, PairItem, Totals, stamp
from streams.state import PairStatus, PairWarning
from tests.projections.conftest import T0, pair_state

STATUSES = list(PairStatus)


def test_an_item_shows_keys_ids_state_conflicts_error_and_sync_times() -> None:
    item = project(pair_state(7, version=3, status=PairStatus.CONFLICTED)).as_json()
    assert item["pair_id"] == "1:10007"
    assert item["sync_id"] == "PROJ1-7#PROJ2-7"
    assert (item["version"], item["state"]) == (3, "conflicted")
    assert item["site1"] == {"id": "10007", "key": "PROJ1-7"}
    assert item["site2"] == {"id": "20007", "key": "PROJ2-7"}
    conflict = item["conflicts"][0]
    assert (conflict["field"], conflict["base"], conflict["site1"]) == ("summary", "old", "ours")
    assert conflict["site2"] == {"theirs": [1.5, None]}
    assert item["last_synced_at"]["site1"] == "2026-01-02T03:11:08.000000Z"
    assert item["last_error"] is None
    assert item["counters"] == {"syncs": 3}


def test_a_failed_pair_shows_its_reason_and_warnings() -> None:
    item = project(pair_state(1, status=PairStatus.FAILED))
    assert item.last_error is not None
    assert item.last_error.reason == "400 field not on screen"
    assert not item.last_error.retryable
    assert [w.code for w in item.warnings] == ["field-not-on-screen"]


def test_a_pending_pair_has_an_empty_side_in_its_sync_id() -> None:
    item = project(pair_state(4, status=PairStatus.PENDING))
    assert (item.sync_id, item.site2) == ("PROJ1-4#", None)


def test_huge_values_and_many_warnings_are_bounded() -> None:
    warnings = [PairWarning(code=f"w{n}", message="m", at=T0) for n in range(50)]
    state = pair_state(1, status=PairStatus.CONFLICTED, warnings=warnings)
    conflicts = {"summary": state.conflicts["summary"].model_copy(update={"base": "x" * 10**6})}
    item = project(state.model_copy(update={"conflicts": conflicts}))
    assert item.conflicts[0].base == {
        "truncated": True,
        "chars": 10**6 + 2,
        "preview": '"' + "x" * 999,
    }
    assert (len(item.warnings), item.warnings_total) == (MAX_WARNINGS, 50)
    assert item.warnings[-1].code == "w49"
    assert bounded("x" * (MAX_VALUE_CHARS - 2)) == "x" * (MAX_VALUE_CHARS - 2)


def test_evolve_never_moves_an_item_backwards() -> None:
    newer = project(pair_state(1, version=5))
    assert evolve(newer, pair_state(1, version=4, status=PairStatus.FAILED)) is newer
    assert evolve(newer, pair_state(1, version=5, status=PairStatus.FAILED)) is newer
    assert evolve(newer, pair_state(1, version=6)).version == 6
    assert evolve(None, pair_state(1, version=2)).version == 2


def test_plan_moves_counts_from_the_old_state_to_the_new() -> None:
    first = plan({}, Totals(), [project(pair_state(1)), project(pair_state(2))])
    assert first.totals.counts[PairStatus.SYNCED] == 2
    heads = {w.item.pair_id: Head(version=1, state=w.item.state) for w in first.writes}
    conflicted = project(pair_state(1, version=2, status=PairStatus.CONFLICTED))
    second = plan(heads, first.totals, [conflicted, project(pair_state(2, version=1))])
    assert [w.item.pair_id for w in second.writes] == ["1:10001"]
    assert second.writes[0].expected == Head(version=1, state=PairStatus.SYNCED)
    assert second.stale == 1
    assert second.totals.counts[PairStatus.SYNCED] == 1
    assert second.totals.counts[PairStatus.CONFLICTED] == 1
    assert second.totals.version_sum == 3


def test_plan_keeps_the_newest_of_a_pair_within_one_batch() -> None:
    items = [project(pair_state(1, version=v)) for v in (2, 4, 3)]
    planned = plan({}, Totals(), items)
    assert [(w.item.version, w.expected) for w in planned.writes] == [(4, None)]
    assert planned.stale == 2
    assert planned.totals.last_updated_at == T0 + timedelta(minutes=1, seconds=4)


def _fold(items: list[PairItem], batch: int) -> tuple[dict[str, PairItem], Totals]:
    stored: dict[str, PairItem] = {}
    totals = Totals()
    for start in range(0, len(items), batch):
        heads = {key: Head(version=i.version, state=i.state) for key, i in stored.items()}
        planned = plan(heads, totals, items[start : start + batch])
        stored |= {write.item.pair_id: write.item for write in planned.writes}
        totals = planned.totals
    return stored, totals


history = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 6), st.sampled_from(STATUSES)),
    min_size=1,
    max_size=30,
)


@given(history, st.randoms(use_true_random=False), st.integers(1, 7))
def test_any_order_duplicates_and_batching_fold_to_the_newest_versions(
    events: list[tuple[int, int, PairStatus]], rng: object, batch: int
) -> None:
    # One state per (pair, version): the engine never publishes two different ones.
    unique = {(pair, version): status for pair, version, status in events}
    items = [project(pair_state(p, v, s)) for (p, v), s in unique.items()]
    delivered = items + items[: len(items) // 2]  # redeliveries
    rng.shuffle(delivered)  # type: ignore[attr-defined]
    stored, totals = _fold(delivered, batch)
    expected = {}
    for pair, group in itertools.groupby(
        sorted(items, key=lambda i: i.pair_id), lambda i: i.pair_id
    ):
        expected[pair] = max(group, key=lambda i: i.version)
    assert stored == expected
    in_order, in_order_totals = _fold(sorted(items, key=lambda i: i.version), 1)
    assert (stored, totals) == (in_order, in_order_totals)
    assert sum(totals.counts.values()) == len(expected)
    assert totals.version_sum == sum(item.version for item in expected.values())


def test_times_serialise_fixed_width_so_they_sort_as_text() -> None:
    assert stamp(T0) == "2026-01-02T03:04:05.000000Z"
    later = T0 + timedelta(microseconds=500)
    assert stamp(T0) < stamp(later)
