"""Prometheus metrics of one worker process, in a registry of its own (``METRICS``), served
at ``/metrics`` on a loopback port (``serve``; the worker's ``--metrics-port`` /
``SYNC_METRICS_PORT``, 0 = off).

Counted as things happen, each label child bound once (at start where the label values
are fixed, at their first use where they are not): pair steps by outcome and the conflicts
they raised (``agents.pair``), dead letters by source (``kafka_io.Sinks.reject``), JIRA
calls by site, method and status with their latency, 429s and retries (``SiteCalls``,
each site's ``streams.jira.transport`` observer). Read when scraped, at no cost to the
work (``WorkerLoad``): each keyed scheduler's keys and items in flight and the age of the
oldest unfinished item per partition (``streams.sync.keyed.SCHEDULERS``), and per
partition the offsets this worker has read or could read but not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as rendered
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from streams.state import PairState, PairStatus
from streams.sync.keyed import SCHEDULERS

if TYPE_CHECKING:
    from streams.sync.engine import StepResult

log = logging.getLogger(__name__)
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STEP_OUTCOMES = ("crashed", "retry", "no_pair", *(status.value for status in PairStatus))
NO_ANSWER = "none"  # the status label of a call that got no answer (timeout, connection)


def step_outcome(result: StepResult | None) -> str:
    """A pair step's outcome label: ``crashed`` (dead-lettered), ``retry`` (comes back),
    ``no_pair`` (nothing to sync), else the pair's status after the step."""
    if result is None:
        return "crashed"
    if result.retry is not None:
        return "retry"
    return "no_pair" if result.state is None else result.state.status.value


def conflicts_raised(before: PairState | None, after: PairState | None) -> int:
    """Fields in conflict after a step that were not before it."""
    if after is None or not after.conflicts:
        return 0
    if before is None or not before.conflicts:
        return len(after.conflicts)
    return len(after.conflicts.keys() - before.conflicts.keys())


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.steps = Counter(
            "jira_sync_worker_pair_steps", "Pair steps by outcome.", ["outcome"], registry=registry
        )
        self.conflicts = Counter(
            "jira_sync_worker_conflicts", "Fields a pair step put in conflict.", registry=registry
        )
        self.connection_steps = Counter(
            "jira_sync_worker_connection_pair_steps",
            "Pair steps by connection and outcome.",
            ["connection", "outcome"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "jira_sync_worker_dead_letters",
            "Records dead-lettered, by source.",
            ["source"],
            registry=registry,
        )
        site_method = ["site", "method"]
        self.jira_calls = Counter(
            "jira_sync_worker_jira_calls",
            "JIRA calls answered (status 'none': no answer).",
            [*site_method, "status"],
            registry=registry,
        )
        self.jira_seconds = Histogram(
            "jira_sync_worker_jira_call_seconds",
            "Time from sending a JIRA call to its answer.",
            site_method,
            buckets=CALL_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "jira_sync_worker_jira_rate_limited", "JIRA answers 429.", ["site"], registry=registry
        )
        self.retries = Counter(
            "jira_sync_worker_jira_retries", "JIRA calls sent again.", ["site"], registry=registry
        )
        self.load = WorkerLoad()
        registry.register(self.load)
        self._outcomes = {outcome: self.steps.labels(outcome) for outcome in STEP_OUTCOMES}
        self._sources: dict[str, Counter] = {}

    def step(
        self, before: PairState | None, result: StepResult | None, connection: str = ""
    ) -> None:
        """One pair step (``result`` None: it crashed) in ``connection``."""
        outcome = step_outcome(result)
        self._outcomes[outcome].inc()
        if connection:
            self.connection_steps.labels(connection, outcome).inc()
        raised = conflicts_raised(before, result.state if result is not None else None)
        if raised:
            self.conflicts.inc(raised)

    def dead_letter(self, source: str) -> None:
        child = self._sources.get(source)
        if child is None:
            child = self._sources[source] = self.dead_letters.labels(source)
        child.inc()

    def site(self, site: int) -> SiteCalls:
        return SiteCalls(self, f"jira{site}")

    def render(self) -> bytes:
        return rendered(self.registry)


class SiteCalls:
    """One site's JIRA call metrics: a ``streams.jira.transport.CallObserver``."""

    def __init__(self, metrics: WorkerMetrics, site: str) -> None:
        self._metrics, self._site = metrics, site
        self._calls: dict[tuple[str, int | None], Counter] = {}
        self._seconds: dict[str, Histogram] = {}
        self._limited = metrics.rate_limited.labels(site)
        self._retries = metrics.retries.labels(site)

    def answered(self, method: str, status: int | None, seconds: float) -> None:
        child = self._calls.get((method, status))
        if child is None:
            shown = NO_ANSWER if status is None else str(status)
            child = self._metrics.jira_calls.labels(self._site, method, shown)
            self._calls[method, status] = child
        child.inc()
        timer = self._seconds.get(method)
        if timer is None:
            timer = self._seconds[method] = self._metrics.jira_seconds.labels(self._site, method)
        timer.observe(seconds)
        if status == 429:
            self._limited.inc()

    def retried(self) -> None:
        self._retries.inc()


class Offsets(NamedTuple):
    """One assigned partition's offsets (each the *next* offset; None: not known)."""

    partition: Hashable
    position: int | None  # the next this worker's consumer hands on
    highwater: int | None  # the next the broker will write
    committed: int | None  # the group's, as this worker committed or found it


def lags(offsets: Offsets) -> tuple[int | None, int | None]:
    """(commit lag: read, not committed; consumer lag: on the broker, not committed)."""
    committed = offsets.committed
    if committed is None:
        return None, None
    read = None if offsets.position is None else max(0, offsets.position - committed)
    behind = None if offsets.highwater is None else max(0, offsets.highwater - committed)
    return read, behind


def partition_labels(partition: Hashable) -> tuple[str, str]:
    """(topic, partition) of a Kafka topic-partition, ("", the value) of anything else."""
    topic = getattr(partition, "topic", None)
    if topic is None:
        return "", str(partition)
    return str(topic), str(getattr(partition, "partition", ""))


def _gauge(name: str, text: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, labels=labels)


class WorkerLoad(Collector):
    """What is in flight and what is not committed, read at each scrape."""

    def __init__(self) -> None:
        self.offsets: Callable[[], Iterable[Offsets]] = list

    def collect(self) -> Iterator[Metric]:
        tp = ["topic", "partition"]
        keys = _gauge(
            "jira_sync_worker_keys_in_flight",
            "Keys (pairs on pair-changes, issues "
            "on the events topics) with an event read and not finished.",
            ["topic"],
        )
        items = _gauge("jira_sync_worker_events_in_flight", "Events read, not acknowledged.", tp)
        oldest = _gauge(
            "jira_sync_worker_oldest_unfinished_age_seconds",
            "How long the oldest unfinished event has been held.",
            tp,
        )
        # summed per label set: an agent restarted while its old scheduler lives on must
        # not give one series twice (Prometheus refuses such a scrape)
        counts: dict[tuple[str, str], float] = {}
        ages: dict[tuple[str, str], float] = {}
        held: dict[str, float] = {}
        for scheduler in list(SCHEDULERS):
            topics = set()
            for load in scheduler.loads():
                labels = partition_labels(load.partition)
                topics.add(labels[0])
                counts[labels] = counts.get(labels, 0) + load.in_flight
                ages[labels] = max(ages.get(labels, 0.0), load.oldest_age)
            for topic in topics:
                held[topic] = held.get(topic, 0) + scheduler.keys_in_flight
        for labels, count in counts.items():
            items.add_metric(list(labels), count)
            oldest.add_metric(list(labels), ages[labels])
        for topic, count in held.items():
            keys.add_metric([topic], count)
        yield from (keys, items, oldest)
        yield from self._lags(tp)

    def _lags(self, tp: list[str]) -> Iterator[Metric]:
        commit = _gauge(
            "jira_sync_worker_commit_lag_messages",
            "Offsets the consumer has handed on, not committed yet.",
            tp,
        )
        consumer = _gauge(
            "jira_sync_worker_consumer_lag_messages",
            "Offsets on the broker not committed by the group.",
            tp,
        )
        for offsets in self.offsets():
            labels = partition_labels(offsets.partition)
            read, behind = lags(offsets)
            if read is not None:
                commit.add_metric(labels, read)
            if behind is not None:
                consumer.add_metric(labels, behind)
        yield from (commit, consumer)


def consumer_offsets(app: Any) -> list[Offsets]:
    """The offsets of the partitions assigned to ``app``'s consumer, from what Faust and
    aiokafka hold in memory (their internals, read without a call: best effort, empty
    when not started). Partitions with no committed offset (the tables' changelogs) are
    left out."""
    try:
        committed = app.consumer._committed_offset
        kafka = app.consumer._thread._consumer
        subscription = kafka._subscription.subscription if kafka is not None else None
        assignment = subscription.assignment if subscription is not None else None
        if assignment is None:
            return []
        found = []
        for tp in list(assignment.tps):
            done = committed.get(tp)
            if done is None:
                continue
            state = assignment.state_value(tp)
            position = state.position if state.has_valid_position else None
            found.append(Offsets(tp, position, state.highwater, done))
        return found
    except (AttributeError, KeyError, RuntimeError) as error:  # a rebalance meanwhile
        log.debug("consumer offsets unreadable: %r", error)
        return []


METRICS = WorkerMetrics()


async def serve(metrics: WorkerMetrics, port: int, host: str = "127.0.0.1") -> web.AppRunner:
    """``/metrics`` on ``host:port``; the runner to clean up."""

    async def scrape(request: web.Request) -> web.Response:
        body = metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
