"""``jira-sync up``'s plan: ports, the children's environment and argv, the printed summary."""

from __future__ import annotations

import json
import shlex
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from jira_sync.cli import main
from jira_sync.up.plan import (
    WEBHOOK_EVENTS,
    Plan,
    Ports,
    child_env,
    children,
    claims,
    commands,
    emulator_env,
    port_problems,
    url_host,
)
from jira_sync.up.summary import summary
from jira_sync.up.supervisor import Interrupted, Signals
from tests.infra import isolated_settings

PORTS = Ports(ingress=18080, status=18090, jira1=18081, jira2=18082)


def plan(sandbox: bool = True, generated_key: bool = True) -> Plan:
    return Plan(
        sandbox=sandbox,
        ports=PORTS,
        ingress_host="127.0.0.1",
        status_host="0.0.0.0",  # noqa: S104 - a listen address in a test
        kafka="127.0.0.1:9092",
        dynamodb_url="http://127.0.0.1:8000",
        topic_prefix="jira-sync",
        table="jira-sync-state",
        api_key="k3y-value",
        api_key_generated=generated_key,
        webhook_secrets={1: "gen-secret", 2: "site-2-secret"},
        webhook_secret_generated="gen-secret" if sandbox else None,
        project_keys={1: "PROJ1", 2: "PROJ2"},
        site_urls=(
            {1: "http://127.0.0.1:18081", 2: "http://127.0.0.1:18082"}
            if sandbox
            else {1: "https://acme.atlassian.net", 2: "https://vendor.atlassian.net"}
        ),
    )


def test_every_taken_or_doubled_port_is_named_with_the_option_that_changes_it() -> None:
    settings = isolated_settings()
    ports = Ports(ingress=18080, status=18090, jira1=18080, jira2=18082)
    wanted = claims(settings, ports, sandbox=True)
    problems = port_problems(wanted, lambda host, port: port != 18090)
    assert problems == [
        "port 18090 on 127.0.0.1 is already in use, so the status API cannot start there; "
        "choose another with --status-port N or STATUS_PORT",
        "port 18080 is asked for both the ingress and emulated JIRA site 1; "
        "choose another with --jira1-port N",
    ]


def test_real_sites_claim_no_emulator_ports() -> None:
    wanted = claims(isolated_settings(), PORTS, sandbox=False)
    assert [claim.what for claim in wanted] == ["the ingress", "the status API"]


def test_children_get_the_plan_on_top_of_the_callers_environment() -> None:
    env = child_env(plan(), {"PATH": "/bin", "KAFKA_BOOTSTRAP_SERVERS": "elsewhere:1"})
    assert env["PATH"] == "/bin"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    assert env["MANAGEMENT_API_KEY"] == "k3y-value"
    assert env["WEBHOOK_SECRET"] == "gen-secret"
    assert env["JIRA_2_BASE_URL"] == "http://127.0.0.1:18082"
    assert env["JIRA_1_USERNAME"] == "sandbox@example.com"
    assert "EMULATOR_WEBHOOK_SECRET" not in env
    assert emulator_env(plan(), 2, {})["EMULATOR_WEBHOOK_SECRET"] == "site-2-secret"


def test_real_sites_keep_their_own_credentials_and_secret() -> None:
    env = child_env(plan(sandbox=False), {"JIRA_1_BASE_URL": "https://acme.atlassian.net"})
    assert env["JIRA_1_BASE_URL"] == "https://acme.atlassian.net"
    assert "JIRA_2_BASE_URL" not in env
    assert "WEBHOOK_SECRET" not in env


def test_children_start_emulators_first_and_never_carry_a_secret_in_their_arguments() -> None:
    started = commands(plan(), Path("/x/.env"), Path("/run"), "memory://")
    assert [name for name, _ in started] == ["jira1", "jira2", "ingress", "worker", "projections"]
    argv = dict(started)
    assert argv["jira1"][-6:] == [
        "--port",
        "18081",
        "--project",
        "PROJ1",
        "--webhook-url",
        "http://127.0.0.1:18080/webhook/jira1",
    ]
    assert argv["jira1"][4:6] == ["--role", "project-admin"]  # quiet edits on site 1
    assert argv["jira2"][4:6] == ["--role", "user"]  # notifications on site 2
    assert argv["worker"][-4:] == ["--store", "memory://", "--data-dir", "/run/worker-data"]
    assert not any("secret" in part for _, args in started for part in args)
    real = commands(plan(sandbox=False), Path("/x/.env"), Path("/run"), "memory://")
    assert [name for name, _ in real] == ["ingress", "worker", "projections"]


def test_each_child_is_started_with_its_own_environment_and_only_emulators_sign() -> None:
    base = {"PATH": "/bin"}
    started = children(plan(), Path("/x/.env"), Path("/run"), "memory://", base)
    assert [(name, argv) for name, argv, _ in started] == commands(
        plan(), Path("/x/.env"), Path("/run"), "memory://"
    )
    env = {name: environment for name, _, environment in started}
    assert env["jira1"]["EMULATOR_WEBHOOK_SECRET"] == "gen-secret"
    assert env["jira2"]["EMULATOR_WEBHOOK_SECRET"] == "site-2-secret"
    for name in ("ingress", "worker", "projections"):
        assert env[name] == child_env(plan(), base)
    assert base == {"PATH": "/bin"}  # the caller's environment is not changed


def test_wildcard_listen_addresses_are_reached_on_loopback() -> None:
    assert url_host("0.0.0.0") == "127.0.0.1"  # noqa: S104
    assert url_host("::") == "[::1]"
    assert url_host("10.0.0.5") == "10.0.0.5"


def test_the_sandbox_summary_has_copy_paste_examples_and_ends_ready() -> None:
    text = summary(plan(), {"jira1": 10, "worker": 11}, Path("/run"), ["PROJ1-1 -> PROJ2-1"])
    assert text.splitlines()[-1] == "jira-sync up: ready"
    assert "http://127.0.0.1:18090/status" in text  # 0.0.0.0 is shown as loopback
    assert "k3y-value" in text
    assert "jira1 10, worker 11" in text
    curls = [line for line in text.splitlines() if line.strip().startswith("-d ")]
    bodies = [json.loads(shlex.split(line.strip())[1]) for line in curls]
    assert bodies[0]["fields"]["project"] == {"key": "PROJ1"}
    assert bodies[1]["jql"] == "project = PROJ2 ORDER BY created DESC"


def test_the_real_summary_lists_webhooks_and_events_but_not_a_configured_key() -> None:
    text = summary(plan(sandbox=False, generated_key=False), {}, Path("/run"), [])
    assert "http://127.0.0.1:18080/webhook/jira1" in text
    assert "http://127.0.0.1:18080/webhook/jira2" in text
    assert all(event in text for event in WEBHOOK_EVENTS)
    assert "k3y-value" not in text
    assert "gen-secret" not in text


def test_a_signal_during_a_spawn_waits_for_the_record_then_interrupts() -> None:
    signals = Signals()
    reached = []

    def spawn() -> None:
        with signals.deferred():
            signals._handle(signal.SIGTERM, None)
            reached.append("record")  # still reached: the signal is held

    with pytest.raises(Interrupted):
        spawn()
    assert reached == ["record"]
    with pytest.raises(Interrupted):
        signals._handle(signal.SIGINT, None)
    signals.stopping = True
    signals._handle(signal.SIGINT, None)  # while stopping: only hurry
    assert signals.hurry


def test_up_is_a_command_with_an_example() -> None:
    result = CliRunner().invoke(main, ["up", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "--no-seed" in result.output
