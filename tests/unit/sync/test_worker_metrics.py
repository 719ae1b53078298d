"""The worker's metrics (``streams.sync.metrics``): what they compute (step outcomes,
conflicts raised, lags, the oldest unfinished age of a ledger), that label children are
bound once, and that a scrape reads the keyed schedulers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import NamedTuple

from prometheus_client.parser import text_string_to_metric_families

from streams.state import FieldConflict, PairState, PairStatus
from streams.sync.engine import StepResult
from streams.sync.keyed import SCHEDULERS, KeyedScheduler, Ledger, Limits
from streams.sync.metrics import (
    Offsets,
    WorkerMetrics,
    conflicts_raised,
    consumer_offsets,
    lags,
    partition_labels,
    step_outcome,
)
from streams.sync.running import Retry

NOW = datetime(2026, 12, 2, tzinfo=UTC)


class TP(NamedTuple):  # the shape of Faust's and aiokafka's topic-partitions
    topic: str
    partition: int


def pair(status: PairStatus = PairStatus.SYNCED, *conflicted: str) -> PairState:
    conflicts = {name: FieldConflict(field=name, detected_at=NOW) for name in conflicted}
    return PairState(
        pair_id="p", version=1, origin=1, status=status, conflicts=conflicts, updated_at=NOW
    )


# --- the oldest unfinished age (pure) ------------------------------------------------------


def test_the_oldest_unfinished_age_is_the_heads_until_it_is_released() -> None:
    ledger: Ledger[str] = Ledger()
    assert ledger.oldest_age(100.0) == 0.0
    for offset, at in ((3, 10.0), (4, 12.0), (5, 13.0)):
        ledger.add(offset, f"m{offset}", at)
    assert ledger.oldest_age(20.0) == 10.0
    ledger.finish(4)  # done behind the head: the head still waits
    assert ledger.oldest_age(20.0) == 10.0
    ledger.finish(3)  # 3 and 4 released: 5 is the oldest now
    assert ledger.oldest_age(20.0) == 7.0
    ledger.finish(5)
    assert ledger.oldest_age(20.0) == 0.0
    assert ledger.read_at == {}  # nothing kept for released items


def test_a_revoked_ledger_keeps_read_times_only_for_what_it_holds() -> None:
    ledger: Ledger[str] = Ledger()
    for offset in range(5):
        ledger.add(offset, f"m{offset}", float(offset))
    ledger.finish(4)
    ledger.revoke([2])  # 2 and the done 4 stranded
    assert set(ledger.read_at) == set(ledger.order) == {0, 1, 3}
    ledger.finish(3)  # past the cut: stranded
    assert set(ledger.read_at) == {0, 1}
    assert ledger.oldest_age(10.0) == 10.0


# --- step outcomes and conflicts (pure) ----------------------------------------------------


def test_a_steps_outcome_is_its_pairs_status_unless_it_crashed_retries_or_has_no_pair() -> None:
    assert step_outcome(None) == "crashed"
    assert step_outcome(StepResult(pair(), "x", retry=Retry("busy", None))) == "retry"
    assert step_outcome(StepResult(None, "x")) == "no_pair"
    assert step_outcome(StepResult(pair(PairStatus.CONFLICTED, "summary"), "x")) == "conflicted"
    assert step_outcome(StepResult(pair(), "x")) == "synced"


def test_only_fields_newly_in_conflict_are_counted() -> None:
    assert conflicts_raised(None, None) == 0
    assert conflicts_raised(None, pair(PairStatus.CONFLICTED, "summary")) == 1
    assert conflicts_raised(pair(), pair(PairStatus.CONFLICTED, "summary", "labels")) == 2
    before = pair(PairStatus.CONFLICTED, "summary")
    assert conflicts_raised(before, pair(PairStatus.CONFLICTED, "summary")) == 0
    assert conflicts_raised(before, pair(PairStatus.CONFLICTED, "summary", "priority")) == 1
    assert conflicts_raised(before, pair()) == 0  # resolved


def test_steps_are_counted_by_outcome_and_their_conflicts_added() -> None:
    metrics = WorkerMetrics()
    metrics.step(None, StepResult(pair(PairStatus.CONFLICTED, "summary", "labels"), "x"))
    metrics.step(pair(), None)
    metrics.step(pair(), StepResult(pair(), "x"))
    value = metrics.registry.get_sample_value
    assert value("jira_sync_worker_pair_steps_total", {"outcome": "conflicted"}) == 1
    assert value("jira_sync_worker_pair_steps_total", {"outcome": "crashed"}) == 1
    assert value("jira_sync_worker_pair_steps_total", {"outcome": "synced"}) == 1
    assert value("jira_sync_worker_pair_steps_total", {"outcome": "retry"}) == 0  # bound at start
    assert value("jira_sync_worker_conflicts_total") == 2


def test_steps_are_counted_by_connection_too() -> None:
    metrics = WorkerMetrics()
    metrics.step(None, StepResult(pair(), "x"), "acme")
    metrics.step(None, StepResult(pair(), "x"), "acme")
    metrics.step(pair(), None, "globex")
    value = metrics.registry.get_sample_value
    name = "jira_sync_worker_connection_pair_steps_total"
    assert value(name, {"connection": "acme", "outcome": "synced"}) == 2
    assert value(name, {"connection": "globex", "outcome": "crashed"}) == 1
    assert value("jira_sync_worker_pair_steps_total", {"outcome": "synced"}) == 2


def test_dead_letters_are_counted_by_source_each_child_bound_once() -> None:
    metrics = WorkerMetrics()
    for source in ("pair-changes", "pair-changes", "events-1"):
        metrics.dead_letter(source)
    value = metrics.registry.get_sample_value
    assert value("jira_sync_worker_dead_letters_total", {"source": "pair-changes"}) == 2
    assert value("jira_sync_worker_dead_letters_total", {"source": "events-1"}) == 1
    assert set(metrics._sources) == {"pair-changes", "events-1"}


# --- JIRA calls -------------------------------------------------------------------------------


def test_jira_calls_by_site_method_and_status_with_429s_and_retries() -> None:
    metrics = WorkerMetrics()
    calls = metrics.site(2)
    calls.answered("GET", 200, 0.02)
    calls.answered("GET", 200, 0.2)
    calls.answered("PUT", 429, 0.01)
    calls.answered("PUT", None, 30.0)
    calls.retried()
    value = metrics.registry.get_sample_value
    site = {"site": "jira2"}
    assert (
        value("jira_sync_worker_jira_calls_total", site | {"method": "GET", "status": "200"}) == 2
    )
    assert (
        value("jira_sync_worker_jira_calls_total", site | {"method": "PUT", "status": "429"}) == 1
    )
    assert (
        value("jira_sync_worker_jira_calls_total", site | {"method": "PUT", "status": "none"}) == 1
    )
    assert value("jira_sync_worker_jira_rate_limited_total", site) == 1
    assert value("jira_sync_worker_jira_retries_total", site) == 1
    get = site | {"method": "GET"}
    assert value("jira_sync_worker_jira_call_seconds_count", get) == 2
    assert value("jira_sync_worker_jira_call_seconds_bucket", get | {"le": "0.025"}) == 1
    assert value("jira_sync_worker_jira_call_seconds_sum", site | {"method": "PUT"}) == 30.01
    assert len(calls._calls) == 3  # one child per label set
    assert len(calls._seconds) == 2
    first = calls._calls["GET", 200]
    calls.answered("GET", 200, 0.1)
    assert calls._calls["GET", 200] is first


# --- lags (pure) ----------------------------------------------------------------------------


def test_lags_are_measured_from_the_committed_offset() -> None:
    assert lags(Offsets(TP("t", 0), position=120, highwater=150, committed=100)) == (20, 50)
    assert lags(Offsets(TP("t", 0), position=100, highwater=100, committed=100)) == (0, 0)
    assert lags(Offsets(TP("t", 0), position=None, highwater=150, committed=100)) == (None, 50)
    assert lags(Offsets(TP("t", 0), position=120, highwater=None, committed=None)) == (None, None)


def test_partition_labels_of_a_topic_partition_and_of_anything_else() -> None:
    assert partition_labels(TP("jira-sync.pair-changes", 3)) == ("jira-sync.pair-changes", "3")
    assert partition_labels(7) == ("", "7")


# --- a scrape ----------------------------------------------------------------------------------


def scraped(metrics: WorkerMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


async def test_a_scrape_reads_the_schedulers_and_the_consumers_offsets() -> None:
    clock = [50.0]
    release = asyncio.Event()

    async def ack(item: str) -> None:
        pass

    scheduler: KeyedScheduler[str] = KeyedScheduler(
        Limits(concurrency=4, in_flight=10, per_partition=10),
        ack,
        lambda item: None,
        lambda: clock[0],
    )
    assert scheduler in SCHEDULERS
    topic = TP("jira-sync.pair-changes", 1)
    for offset, key in ((7, "a"), (8, "b"), (9, "a")):
        await scheduler.submit(topic, offset, key, f"m{offset}", release.wait)
        clock[0] += 1.0
    metrics = WorkerMetrics()
    metrics.load.offsets = lambda: [Offsets(topic, 10, 12, 7), Offsets(TP("x", 0), None, None, 3)]
    samples = scraped(metrics)
    labels = (("partition", "1"), ("topic", "jira-sync.pair-changes"))
    assert samples["jira_sync_worker_events_in_flight", labels] == 3
    assert samples["jira_sync_worker_oldest_unfinished_age_seconds", labels] == 3.0
    assert samples["jira_sync_worker_keys_in_flight", labels[1:]] == 2
    assert samples["jira_sync_worker_commit_lag_messages", labels] == 3
    assert samples["jira_sync_worker_consumer_lag_messages", labels] == 5
    unknown = ("jira_sync_worker_consumer_lag_messages", (("partition", "0"), ("topic", "x")))
    assert unknown not in samples  # no highwater yet: no value rather than a wrong one
    release.set()
    await scheduler.idle()
    samples = scraped(metrics)
    assert samples["jira_sync_worker_events_in_flight", labels] == 0
    assert samples["jira_sync_worker_oldest_unfinished_age_seconds", labels] == 0.0
    assert samples["jira_sync_worker_keys_in_flight", labels[1:]] == 0


async def test_two_schedulers_of_one_partition_give_one_series_summed() -> None:
    """An agent restarted while its old scheduler lives on: one series per label set."""
    release = asyncio.Event()

    async def ack(item: str) -> None:
        pass

    topic = TP("jira-sync.twice", 0)
    held = []
    for offset in (1, 2):
        scheduler: KeyedScheduler[str] = KeyedScheduler(
            Limits(concurrency=4, in_flight=10, per_partition=10), ack, lambda item: None
        )
        await scheduler.submit(topic, offset, f"k{offset}", f"m{offset}", release.wait)
        held.append(scheduler)
    text = WorkerMetrics().render().decode()
    lines = [line for line in text.splitlines() if 'topic="jira-sync.twice"' in line]
    in_flight = [line for line in lines if line.startswith("jira_sync_worker_events_in_flight")]
    assert len(in_flight) == 1
    assert in_flight[0].endswith(" 2.0")
    keys = [line for line in lines if line.startswith("jira_sync_worker_keys_in_flight")]
    assert len(keys) == 1
    release.set()
    for scheduler in held:
        await scheduler.idle()


# --- the consumer's offsets ------------------------------------------------------------------


class _State:
    def __init__(self, position: int | None, highwater: int | None) -> None:
        self.has_valid_position = position is not None
        self.position, self.highwater = position, highwater


class _Assignment:
    def __init__(self, states: dict[TP, _State]) -> None:
        self.tps, self._states = set(states), states

    def state_value(self, tp: TP) -> _State:
        return self._states[tp]


def _app(assignment: _Assignment | None, committed: dict[TP, int]) -> object:
    """The shape of a Faust app over aiokafka, as far as ``consumer_offsets`` reads it."""
    subscription = SimpleNamespace(assignment=assignment)
    kafka = SimpleNamespace(_subscription=SimpleNamespace(subscription=subscription))
    consumer = SimpleNamespace(
        _committed_offset=committed, _thread=SimpleNamespace(_consumer=kafka)
    )
    return SimpleNamespace(consumer=consumer)


def test_the_consumers_offsets_of_the_partitions_with_a_committed_offset() -> None:
    events, changelog = TP("jira-sync.pair-changes", 0), TP("jira-sync.worker-pairs-changelog", 0)
    fresh = TP("jira-sync.pair-changes", 1)
    states = {events: _State(12, 20), changelog: _State(5, 5), fresh: _State(None, None)}
    app = _app(_Assignment(states), {events: 10, fresh: 0})
    assert sorted(consumer_offsets(app)) == sorted(
        [Offsets(events, 12, 20, 10), Offsets(fresh, None, None, 0)]
    )
    assert consumer_offsets(_app(None, {})) == []  # nothing assigned yet
    assert consumer_offsets(SimpleNamespace()) == []  # not a started consumer
