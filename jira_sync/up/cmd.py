"""``jira-sync up``: everything of a working sync on one machine, until Ctrl-C.

Without JIRA credentials (the sandbox): the local stack when no Kafka/DynamoDB answers,
two emulated JIRA sites wired to the ingress with signed webhooks, the ingress, one
worker, the projections with the status API, and a few demo issues on site 1. With
credentials: the same processes against the real sites (no emulators, no demo issues).
Each part is a ``python -m jira_sync <command>`` child in its own process group, built
from its own settings (the environment ``up`` gives it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from jira_sync.config_cmd import settings_or_exit
from jira_sync.up import demo
from jira_sync.up.plan import (
    DEFAULT_KAFKA,
    DEFAULT_PREFIX,
    DEFAULT_TABLE,
    SITES,
    Plan,
    Ports,
    child_env,
    claims,
    commands,
    emulator_env,
    port_problems,
    sandbox_site_url,
    summary,
)
from jira_sync.up.readiness import (
    NotReady,
    basic_auth,
    consumer_group_stable,
    http_ok,
    log_tail,
    wait_ready,
)
from jira_sync.up.supervisor import (
    Interrupted,
    Signals,
    Supervisor,
    leftovers,
    stop_leftovers,
)
from stack import Stack, StackError, StackHome, default_home, probes
from streams.jira.sites import SANDBOX_EMAIL, SANDBOX_TOKEN
from streams.settings import Settings

SEED_SYNC_TIMEOUT = 30.0


class UpError(Exception):
    """Something ``up`` cannot work around; the message says what to change."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def progress(message: str) -> None:
    click.echo(f"up: {message}", err=True)


@click.command()
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    default=Path(".env"),
    show_default=True,
    help="Configuration file; environment variables win over it. Passed on to every child.",
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the local stack's downloads and run files "
    "[default: $JIRA_SYNC_HOME or ./.jira-sync].",
)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the children's logs, the worker's data and up.json (their pids) "
    "[default: HOME/run/up].",
)
@click.option(
    "--ingress-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port of the ingress (webhooks, management API); 0 = any free one "
    "[default: INGRESS_PORT, 8080].",
)
@click.option(
    "--status-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port of the status API (projections); 0 = any free one [default: STATUS_PORT, 8090].",
)
@click.option(
    "--jira1-port",
    type=click.IntRange(0, 65535),
    default=8081,
    show_default=True,
    help="Sandbox only: port of emulated JIRA site 1; 0 = any free one.",
)
@click.option(
    "--jira2-port",
    type=click.IntRange(0, 65535),
    default=8082,
    show_default=True,
    help="Sandbox only: port of emulated JIRA site 2; 0 = any free one.",
)
@click.option(
    "--no-seed",
    is_flag=True,
    help="Sandbox only: do not create the demo issues on site 1.",
)
@click.option(
    "--store",
    default="rocksdb://",
    show_default=True,
    help="The worker's Faust table store: rocksdb:// (Faust's RocksDB store, on the rocksdict "
    "package) or memory://. Its data folder is emptied at every start: tables are rebuilt "
    "from their changelog topics.",
)
@click.option(
    "--start-timeout",
    type=click.FloatRange(1),
    default=120.0,
    show_default=True,
    help="Seconds every child gets to answer after it started.",
)
@click.option(
    "--stop-timeout",
    type=click.FloatRange(0),
    default=20.0,
    show_default=True,
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
      - the ingress (:8080), one worker, the projections and status API (:8090), with
        MANAGEMENT_API_KEY or a generated key;
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
    run_dir = (run_dir if run_dir is not None else home / "run" / "up").resolve()
    signals = Signals()
    signals.install()
    options = Options(
        env_file=env_file.resolve(),
        home=home,
        run_dir=run_dir,
        ports=Ports(
            ingress=settings.ingress_port if ingress_port is None else ingress_port,
            status=settings.status_port if status_port is None else status_port,
            jira1=jira1_port,
            jira2=jira2_port,
        ),
        seed=not no_seed,
        store=store,
        start_timeout=start_timeout,
        stop_timeout=stop_timeout,
    )
    try:
        code = run(settings, options, signals)
    except Interrupted:
        code = 0
    except UpError as error:
        click.echo(f"jira-sync up: {error}", err=True)
        code = error.exit_code
    sys.exit(code)


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


@dataclass(frozen=True)
class Infra:
    kafka: str
    dynamodb_url: str | None
    stack: Stack | None  # the stack ``up`` started (and so stops), if any
    fresh_kafka: bool  # started by this ``up``: nothing from earlier runs in it
    fresh_dynamodb: bool


def run(settings: Settings, options: Options, signals: Signals) -> int:
    options.run_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(options.run_dir):
        _clean_leftovers(options.run_dir, options.stop_timeout)
        _check_sites(settings)
        ports = _resolve_ports(settings, options.ports)
        problems = port_problems(claims(settings, ports, settings.sandbox), probes.port_free)
        if problems:
            raise UpError("\n  ".join(["a port is taken:", *problems]))
        supervisor = Supervisor(options.run_dir, signals)
        infra: Infra | None = None
        try:
            infra = _infrastructure(settings, options.home, supervisor)
            plan = _plan(settings, ports, infra)
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


def _serve(plan: Plan, options: Options, supervisor: Supervisor) -> int:
    shutil.rmtree(options.run_dir / "worker-data", ignore_errors=True)
    env = dict(os.environ)
    checks: dict[str, Callable[[], bool]] = {}
    for name, argv in commands(plan, options.env_file, options.run_dir, options.store):
        site = {"jira1": 1, "jira2": 2}.get(name)
        child_environment = (
            emulator_env(plan, SITES[site - 1], env) if site else child_env(plan, env)
        )
        supervisor.spawn(name, argv, child_environment)
        if site:
            auth = basic_auth(SANDBOX_EMAIL, SANDBOX_TOKEN)
            checks[name] = http_ok(f"{plan.site_urls[site]}/rest/api/3/myself", auth)
    progress(f"started {', '.join(child.name for child in supervisor.children)}; waiting")
    checks |= {
        "ingress": http_ok(f"{plan.ingress_url}/health"),
        "projections": http_ok(f"{plan.status_url}/health"),
        "worker": consumer_group_stable(plan.kafka, plan.worker_group),
    }
    children = {child.name: child for child in supervisor.children}
    wait_ready(checks, children, options.start_timeout, progress)
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


def _check_sites(settings: Settings) -> None:
    configured = [number for number in SITES if settings.site(number).configured]
    if len(configured) == 1:
        missing = 2 if configured == [1] else 1
        raise UpError(
            f"only JIRA site {configured[0]} is configured: set JIRA_{missing}_BASE_URL, "
            f"JIRA_{missing}_USERNAME and JIRA_{missing}_API_TOKEN too, or neither site for "
            "the sandbox",
            exit_code=2,
        )
    if not settings.sandbox:
        unsigned = [number for number in SITES if settings.webhook_secret_for(number) is None]
        if unsigned:
            names = " or ".join(f"WEBHOOK_SECRET_{number}" for number in unsigned)
            raise UpError(
                f"real JIRA sites need the webhook secret registered with their webhooks: set "
                f"WEBHOOK_SECRET (or {names})",
                exit_code=2,
            )


def _resolve_ports(settings: Settings, ports: Ports) -> Ports:
    """A port of 0 becomes a free one now, so every URL can be printed and wired."""
    return Ports(
        ingress=ports.ingress or probes.free_port(settings.ingress_host),
        status=ports.status or probes.free_port(settings.status_host),
        jira1=ports.jira1 or probes.free_port(),
        jira2=ports.jira2 or probes.free_port(),
    )


def _infrastructure(settings: Settings, home: Path, supervisor: Supervisor) -> Infra:
    """Kafka and DynamoDB: the configured ones when they answer, else the local stack."""
    kafka = settings.kafka_bootstrap_servers
    kafka_ok = probes.kafka_answers(kafka)
    if not kafka_ok and kafka != DEFAULT_KAFKA:
        raise UpError(
            f"Kafka at {kafka} (KAFKA_BOOTSTRAP_SERVERS) does not answer; start it, or unset "
            "KAFKA_BOOTSTRAP_SERVERS and up starts a local Kafka"
        )
    endpoint = (
        str(settings.dynamodb_endpoint_url).rstrip("/") if settings.dynamodb_endpoint_url else None
    )
    if endpoint is not None and not probes.dynamodb_answers(endpoint):
        raise UpError(
            f"DynamoDB at {endpoint} (DYNAMODB_ENDPOINT_URL) does not answer; start it, or "
            "unset DYNAMODB_ENDPOINT_URL and up starts DynamoDB Local"
        )
    local_dynamodb = endpoint is None and (settings.sandbox or not kafka_ok)
    if kafka_ok and not local_dynamodb:
        progress(f"using Kafka at {kafka}" + (f" and DynamoDB at {endpoint}" if endpoint else ""))
        return Infra(kafka, endpoint, None, fresh_kafka=False, fresh_dynamodb=False)
    stack = Stack(StackHome.at(home), progress=lambda message: progress(f"stack: {message}"))
    state = stack.up(
        kafka_port=9092 if probes.port_free("127.0.0.1", 9092) else 0,
        dynamodb_port=8000 if probes.port_free("127.0.0.1", 8000) else 0,
    )
    started = not state.already_running
    if started:
        supervisor.extra["stack_home"] = str(home)
        supervisor.extra["stack"] = {service.name: service.pid for service in state.services()}
        supervisor.save()
        progress(f"stack: started in {state.startup_seconds:.1f} s (stopped again on exit)")
    else:
        progress(f"stack: reusing the one running from {home / 'run'} (left running on exit)")
    return Infra(
        kafka=kafka if kafka_ok else state.kafka_bootstrap_servers,
        dynamodb_url=endpoint or state.dynamodb_endpoint_url,
        stack=stack if started else None,
        fresh_kafka=started and not kafka_ok,
        fresh_dynamodb=started and endpoint is None,
    )


def _plan(settings: Settings, ports: Ports, infra: Infra) -> Plan:
    prefix, table = settings.kafka_topic_prefix, settings.dynamodb_table
    if settings.sandbox:
        # The emulated sites start empty: a log or table kept from an earlier run would
        # point at issues that no longer exist. Unless named explicitly, use fresh ones.
        run_id = time.strftime("%Y%m%d-%H%M%S")
        if prefix == DEFAULT_PREFIX and not infra.fresh_kafka:
            prefix = f"{DEFAULT_PREFIX}.sandbox-{run_id}"
            progress(f"Kafka is shared: this run's topics are {prefix}.* (KAFKA_TOPIC_PREFIX)")
        if table == DEFAULT_TABLE and not infra.fresh_dynamodb:
            table = f"{DEFAULT_TABLE}-sandbox-{run_id}"
            progress(f"DynamoDB is shared: this run's table is {table} (DYNAMODB_TABLE)")
    configured_key = settings.management_api_key
    generated_secret = None
    if settings.sandbox and settings.webhook_secret is None:
        generated_secret = secrets.token_hex(16)
    site_secrets: dict[int, str | None] = {}
    for number in SITES:
        secret = settings.webhook_secret_for(number)
        site_secrets[number] = secret.get_secret_value() if secret else generated_secret
    site_urls: dict[int, str]
    if settings.sandbox:
        site_urls = {number: sandbox_site_url(ports.site(number)) for number in SITES}
    else:
        site_urls = {number: str(settings.site(number).base_url) for number in SITES}
    return Plan(
        sandbox=settings.sandbox,
        ports=ports,
        ingress_host=settings.ingress_host,
        status_host=settings.status_host,
        kafka=infra.kafka,
        dynamodb_url=infra.dynamodb_url,
        topic_prefix=prefix,
        table=table,
        api_key=(
            configured_key.get_secret_value() if configured_key else secrets.token_urlsafe(18)
        ),
        api_key_generated=configured_key is None,
        webhook_secrets=site_secrets,
        webhook_secret_generated=generated_secret,
        project_keys={1: settings.jira_1_project_key, 2: settings.jira_2_project_key},
        site_urls=site_urls,
    )


@contextlib.contextmanager
def _exclusive(run_dir: Path) -> Iterator[None]:
    """One ``up`` per run folder at a time."""
    with (run_dir / "up.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _recorded_pid(run_dir)
            raise UpError(
                f"another jira-sync up{owner} is running with the run folder {run_dir}; stop it "
                "first, or give this one another --run-dir (and other ports)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _recorded_pid(run_dir: Path) -> str:
    try:
        return f" (pid {json.loads((run_dir / 'up.json').read_text())['pid']})"
    except (OSError, ValueError, KeyError):
        return ""


def _clean_leftovers(run_dir: Path, grace: float) -> None:
    raw = leftovers(run_dir)
    if raw is None:
        return
    stopped = stop_leftovers(raw, grace)
    if stopped:
        progress(f"stopped what an earlier, killed jira-sync up left running: {', '.join(stopped)}")
    stack_home = raw.get("stack_home")
    if isinstance(stack_home, str):
        names = Stack(StackHome.at(Path(stack_home))).down()
        if names:
            progress(f"stopped the stack an earlier jira-sync up started: {', '.join(names)}")
    (run_dir / "up.json").unlink(missing_ok=True)
