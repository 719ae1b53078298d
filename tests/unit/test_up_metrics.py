"""``jira-sync up`` turns the worker's metrics on (a free port unless one is asked for),
claims the port, hands it to the worker and prints where they are."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jira_sync.up import decide
from jira_sync.up.plan import Ports, child_env, claims, port_problems
from jira_sync.up.summary import summary
from tests.infra import isolated_settings
from tests.unit.test_up_plan import PORTS, plan

METERED = dataclasses.replace(PORTS, metrics=18091)


def test_the_worker_gets_its_metrics_port_and_the_summary_prints_the_address() -> None:
    metered = dataclasses.replace(plan(), ports=METERED)
    assert child_env(metered, {})["SYNC_METRICS_PORT"] == "18091"
    text = summary(metered, {}, Path("/run"), [])
    assert "  worker metrics http://127.0.0.1:18091/metrics   Prometheus" in text
    assert "worker metrics" not in summary(plan(), {}, Path("/run"), [])  # off: not printed


def test_the_metrics_port_is_claimed_with_the_option_that_changes_it() -> None:
    wanted = claims(isolated_settings(), METERED, sandbox=False)
    assert [claim.what for claim in wanted][-1] == "the worker's metrics"
    problems = port_problems(wanted, lambda host, port: port != 18091)
    assert problems == [
        "port 18091 on 127.0.0.1 is already in use, so the worker's metrics cannot start "
        "there; choose another with --metrics-port N or SYNC_METRICS_PORT"
    ]


def test_a_metrics_port_of_0_becomes_a_free_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decide.probes, "free_port", lambda host="127.0.0.1": 23456)
    resolved = decide.resolve_ports(isolated_settings(), Ports(1, 2, 3, 4))
    assert resolved == Ports(1, 2, 3, 4, metrics=23456)
