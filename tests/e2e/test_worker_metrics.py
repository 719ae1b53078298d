"""The worker's Prometheus metrics over HTTP (issue 21, item 4; issue 18, item 5): a worker
started with ``SYNC_METRICS_PORT`` syncs a create and an edit, and its ``/metrics`` counts
the pair steps by outcome and the JIRA calls by site, method and status as the emulated
sites saw them, and shows what is in flight and not committed per partition."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT

pytestmark = pytest.mark.integration
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def scrape(p: Pipeline, port: int) -> Samples:
    async with p.session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def of(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_the_worker_counts_steps_and_jira_calls_as_the_sites_saw_them(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {"SYNC_METRICS_PORT": str(port)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key = await p.create(1, "Metered printer")
        await p.eventually(lambda: p.find(2, "Metered printer") is not None)
        await p.edit(1, key, summary="Metered printer, fixed")
        await p.eventually(lambda: p.find(2, "Metered printer, fixed") is not None)
        await p.quiet()
        samples = await scrape(p, port)
        log = (tmp_path / "worker-0.log").read_text()
        assert f"worker metrics at http://127.0.0.1:{port}/metrics" in log

        assert of(samples, "jira_sync_worker_pair_steps_total", outcome="synced") >= 2
        assert of(samples, "jira_sync_worker_pair_steps_total", outcome="crashed") == 0
        assert of(samples, "jira_sync_worker_conflicts_total") == 0
        assert not [name for name, _ in samples if name == "jira_sync_worker_dead_letters_total"]
        for site in (1, 2):
            # every write the sync made, as the site answered it (reads are made at start
            # too, before the metrics are on)
            seen = Counter(
                (call.method, str(call.status))
                for call in p.sites[site].emulator.calls
                if call.email == SYNC_ACCOUNT and call.method in ("POST", "PUT", "DELETE")
            )
            assert seen, f"the sync wrote nothing on site {site}"
            for (method, status), count in seen.items():
                labels = {"site": f"jira{site}", "method": method, "status": status}
                assert of(samples, "jira_sync_worker_jira_calls_total", **labels) == count
            for method in {method for method, _ in seen}:
                timed = {"site": f"jira{site}", "method": method}
                made = sum(n for (m, _), n in seen.items() if m == method)
                assert of(samples, "jira_sync_worker_jira_call_seconds_count", **timed) == made
        # reads are timed too: the new copy's status is read once it is made (a person's
        # plain create and edit need no read of their own side)
        gets = [
            of(samples, "jira_sync_worker_jira_call_seconds_count", site=f"jira{n}", method="GET")
            for n in (1, 2)
        ]
        assert sum(gets) >= 1, gets
        assert (
            of(
                samples,
                "jira_sync_worker_jira_calls_total",
                site="jira2",
                method="POST",
                status="201",
            )
            >= 1
        )  # the create

        pair_changes = f"{unique_name}.pair-changes"
        held = [
            value
            for (name, labels), value in samples.items()
            if name == "jira_sync_worker_events_in_flight" and ("topic", pair_changes) in labels
        ]
        assert held
        assert sum(held) == 0  # quiet: nothing held
        lags = [
            labels
            for (name, labels), _ in samples.items()
            if name == "jira_sync_worker_consumer_lag_messages"
        ]
        assert any(("topic", pair_changes) in labels for labels in lags)
