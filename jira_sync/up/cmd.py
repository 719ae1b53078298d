"""``jira-sync up``: everything of a working sync on one machine, until Ctrl-C.

Without JIRA credentials (the sandbox): the local stack when no Kafka/DynamoDB answers,
two emulated JIRA sites wired to the ingress with signed webhooks, the ingress, one
worker, the projections with the status API, and a few demo issues on site 1. With
credentials: the same processes against the real sites (no emulators, no demo issues).
Each part is a ``python -m jira_sync <command>`` child in its own process group, built
from its own settings (the environment ``up`` gives it).

This module is the command and its run; ``decide`` (sites, ports, the plan), ``infra``
(Kafka and DynamoDB), ``run_dir`` (the lock and leftovers), ``plan`` and ``summary`` (what
is started and printed), ``supervisor`` and ``readiness`` (the children) do the parts.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from jira_sync.config_cmd import (
    PORT,
    SANDBOX_ENV,
    env_file_option,
    home_options,
    port_option,
    seconds_option,
    settings_or_exit,
    store_option,
)
from jira_sync.up import demo
from jira_sync.up.console import UpError, progress
from jira_sync.up.decide import check_sites, make_plan, resolve_ports
from jira_sync.up.handoff import write_handoff
from jira_sync.up.infra import Infra, infrastructure
from jira_sync.up.plan import SITES, Plan, Ports, child_env, children, claims, port_problems
from jira_sync.up.readiness import (
    NotReady,
    basic_auth,
    consumer_group_stable,
    http_ok,
    log_tail,
    wait_ready,
)
from jira_sync.up.run_dir import clean_leftovers, exclusive
from jira_sync.up.summary import summary
from jira_sync.up.supervisor import Interrupted, Signals, Supervisor
from stack import StackError, default_home, probes
from streams.jira.sites import SANDBOX_EMAIL, SANDBOX_TOKEN
from streams.settings import Settings

SEED_SYNC_TIMEOUT = 30.0


@click.command()
@env_file_option("Configuration file; environment variables win over it. Passed on to every child.")
@home_options(
    "Folder of the local stack's downloads and run files",
    "Folder for the children's logs, the worker's data and up.json (their pids) "
    "[default: HOME/run/up].",
)
@port_option(
    "--ingress-port",
    None,
    "Port of the ingress (webhooks, management API); 0 = any free one "
    "[default: INGRESS_PORT, 8080].",
)
@port_option(
    "--status-port",
    None,
    "Port of the status API (projections); 0 = any free one [default: STATUS_PORT, 8090].",
)
@port_option("--jira1-port", 8081, "Sandbox only: port of emulated JIRA site 1; 0 = any free one.")
@port_option("--jira2-port", 8082, "Sandbox only: port of emulated JIRA site 2; 0 = any free one.")
@click.option(
    "--metrics-port",
    type=PORT,
    default=0,
    envvar="SYNC_METRICS_PORT",
    help="Port of the worker's Prometheus metrics (on 127.0.0.1); 0 = any free one "
    "[default: SYNC_METRICS_PORT, 0].",
)
@click.option(
    "--no-seed",
    is_flag=True,
    help="Sandbox only: do not create the demo issues on site 1.",
)
@store_option(
    "The worker's Faust table store: rocksdb:// (Faust's RocksDB store, on the rocksdict "
    "package) or memory://. Its data folder is emptied at every start: tables are rebuilt "
    "from their changelog topics."
)
@seconds_option(
    "--start-timeout",
    default=120.0,
    minimum=1,
    help="Seconds every child gets to answer after it started.",
)
@seconds_option(
    "--stop-timeout",
    default=20.0,
    minimum=0,
    help="Seconds between SIGTERM and SIGKILL when stopping the children.",
)
def up(
    env_file: Path,
    home: Path | None,
    run_dir: Path | None,
    ingress_port: int | None,
    status_port: int | None,
    jira1_port: int,
    jira2_port: int,
    metrics_port: int,
    no_seed: bool,
    store: str,
    start_timeout: float,
    stop_timeout: float,
) -> None:
    """Run the whole sync locally until Ctrl-C: the sandbox when no JIRA site is configured.

    \b
    Sandbox (no JIRA_1_*/JIRA_2_* credentials):
      - Kafka and DynamoDB Local: the configured ones when they answer, else the local
        stack (`jira-sync stack up`), stopped again on exit if `up` started it;
      - emulated JIRA site 1 (project PROJ1) on 127.0.0.1:8081 and site 2 (PROJ2) on :8082,
        user sandbox@example.com / token sandbox-token (also alice@example.com /
        alice-token), their webhooks signed with WEBHOOK_SECRET or a generated secret;
      - the ingress (:8080), one worker (its metrics on a free port, printed), the
        projections and status API (:8090), with MANAGEMENT_API_KEY or a generated key;
      - three demo issues on site 1 (unless --no-seed), synced to site 2.
    With JIRA credentials: ingress, worker and projections against the real sites, and the
    webhook URLs and events to register on each site.

    Prints the addresses, the API key and curl examples, then "jira-sync up: ready".
    Ctrl-C or SIGTERM stops every process it started (SIGKILL after --stop-timeout).

    \b
    Example:
      jira-sync up
      jira-sync up --ingress-port 9080 --status-port 9090 --jira1-port 9081 --jira2-port 9082
    """
    settings = settings_or_exit(env_file)
    home = (home if home is not None else default_home()).resolve()
    ports = Ports(
        ingress=settings.ingress_port if ingress_port is None else ingress_port,
        status=settings.status_port if status_port is None else status_port,
        jira1=jira1_port,
        jira2=jira2_port,
        metrics=metrics_port,
    )
    options = Options(
        env_file=env_file.resolve(),
        home=home,
        run_dir=(run_dir if run_dir is not None else home / "run" / "up").resolve(),
        ports=ports,
        seed=not no_seed,
        store=store,
        start_timeout=start_timeout,
        stop_timeout=stop_timeout,
    )
    sys.exit(_until_stopped(settings, options))


@dataclass(frozen=True)
class Options:
    env_file: Path
    home: Path
    run_dir: Path
    ports: Ports
    seed: bool
    store: str
    start_timeout: float
    stop_timeout: float


def _until_stopped(settings: Settings, options: Options) -> int:
    """Run until Ctrl-C, SIGTERM or a child's exit; the exit code of ``up``."""
    signals = Signals()
    signals.install()
    try:
        return run(settings, options, signals)
    except Interrupted:
        return 0
    except UpError as error:
        click.echo(f"jira-sync up: {error}", err=True)
        return error.exit_code


def run(settings: Settings, options: Options, signals: Signals) -> int:
    options.run_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(options.run_dir):
        clean_leftovers(options.run_dir, options.stop_timeout)
        check_sites(settings)
        ports = resolve_ports(settings, options.ports)
        problems = port_problems(claims(settings, ports, settings.sandbox), probes.port_free)
        if problems:
            raise UpError("\n  ".join(["a port is taken:", *problems]))
        supervisor = Supervisor(options.run_dir, signals)
        infra: Infra | None = None
        try:
            infra = infrastructure(settings, options.home, supervisor)
            plan = make_plan(settings, ports, infra)
            return _serve(plan, options, supervisor)
        except Interrupted:
            progress("stopping (a second Ctrl-C kills at once)")
            return 0
        except (NotReady, StackError) as error:
            click.echo(f"jira-sync up: {error}", err=True)
            return 1
        finally:
            signals.stopping = True
            supervisor.stop_all(options.stop_timeout, progress)
            if infra is not None and infra.stack is not None:
                progress("stopping Kafka and DynamoDB Local")
                infra.stack.down()
            supervisor.record_file.unlink(missing_ok=True)
            (options.run_dir / SANDBOX_ENV).unlink(missing_ok=True)


def _serve(plan: Plan, options: Options, supervisor: Supervisor) -> int:
    shutil.rmtree(options.run_dir / "worker-data", ignore_errors=True)
    started = children(plan, options.env_file, options.run_dir, options.store, os.environ)
    for name, argv, environment in started:
        supervisor.spawn(name, argv, environment)
    progress(f"started {', '.join(child.name for child in supervisor.children)}; waiting")
    auth = basic_auth(SANDBOX_EMAIL, SANDBOX_TOKEN)
    checks: dict[str, Callable[[], bool]] = {
        f"jira{number}": http_ok(f"{plan.site_urls[number]}/rest/api/3/myself", auth)
        for number in SITES
        if plan.sandbox
    }
    checks |= {
        "ingress": http_ok(f"{plan.ingress_url}/health"),
        "projections": http_ok(f"{plan.status_url}/health"),
        "worker": consumer_group_stable(plan.kafka, plan.worker_group),
    }
    running = {child.name: child for child in supervisor.children}
    wait_ready(checks, running, options.start_timeout, progress)
    write_handoff(options.run_dir, child_env(plan, {}))
    seeded = _seed(plan) if plan.sandbox and options.seed else []
    pids = {child.name: child.pid for child in supervisor.children}
    pids |= supervisor.extra.get("stack", {})
    click.echo(summary(plan, pids, options.run_dir, seeded))
    sys.stdout.flush()
    while True:
        stopped = supervisor.exited()
        if stopped is not None:
            click.echo(
                f"jira-sync up: {stopped.name} exited with code {stopped.popen.returncode}; "
                f"stopping everything. The end of {stopped.log}:\n{log_tail(stopped)}",
                err=True,
            )
            return 1
        time.sleep(0.5)


def _seed(plan: Plan) -> list[str]:
    try:
        created = demo.seed(plan)
        twins = demo.wait_for_twins(plan, list(created), SEED_SYNC_TIMEOUT)
    except (OSError, ValueError, KeyError) as error:
        progress(f"warning: the demo issues could not be created: {error}")
        return []
    shown = [
        f"{key} -> {twins.get(summary, '(not on site 2 yet)')}" for summary, key in created.items()
    ]
    if len(twins) < len(created):
        progress(
            f"warning: not every demo issue reached site 2 within {SEED_SYNC_TIMEOUT:.0f} s; "
            "see worker.log"
        )
    else:
        progress(f"demo issues synced: {', '.join(shown)}")
    return shown
