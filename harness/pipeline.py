"""The whole pipeline for end-to-end tests: two emulated sites -> signed webhooks -> the real
ingress -> real Kafka -> real worker processes -> JIRA writes on the other site.

Humans are alice (site 1) and bob (site 2); the sync works as sandbox@example.com, so the
emulators' call logs tell the sync's writes apart from the humans'. ``Pipeline`` holds the
running parts and the worker processes and waits on them; what it does on the sites is
``harness.sites``, on Kafka ``harness.kafka``; ``harness.humans`` is people at work on it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from harness.infra import OPENAPI_SPEC, isolated_settings
from harness.kafka import console_produce, group_stable, read_topic, send_json, worker_lag
from harness.sites import SYNC_ACCOUNT, OnTheSites
from ingress.context import IngressOptions
from ingress.server import build_app
from sandbox import RunningSite, SiteConfig, WebhookRetry, serve_emulator
from sandbox.contract import OpenApiContract
from sandbox.model import Issue
from streams.sync.fields import FieldMaps, canonical
from streams.topics import Topics

SECRET = "e2e-webhook-secret"
# JIRA retries a failed delivery 5-15 minutes later (the emulator's default); the e2e
# tests take JIRA's timing shrunk 100 times (3-9 s a retry, 5 retries: 15-45 s in all).
FAST_RETRY = WebhookRetry.fast(scale=1 / 100)
SYNCED = ("summary", "description", "priority", "labels", "status")


@dataclass
class Pipeline(OnTheSites):
    sites: dict[int, RunningSite]
    session: aiohttp.ClientSession
    kafka: str
    prefix: str
    tmp: Path
    partitions: int
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # --- workers ---------------------------------------------------------------------

    def start_worker(self) -> subprocess.Popen[bytes]:
        number = len(self.workers)
        log = (self.tmp / f"worker-{number}.log").open("ab")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jira_sync",
                "worker",
                "--store",
                "memory://",
                "--data-dir",
                str(self.tmp / f"data-{number}"),
                "--env-file",
                str(self.tmp / "none.env"),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [worker for worker in self.workers if worker.poll() is None]

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """kill -9: no shutdown, no commit, no flush."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    def steps(self, worker: subprocess.Popen[bytes]) -> int:
        """How many pair steps ``worker`` has logged (it is consuming when this grows)."""
        log = self.tmp / f"worker-{self.workers.index(worker)}.log"
        return log.read_bytes().count(b" writes)") if log.exists() else 0

    # --- waiting ---------------------------------------------------------------------

    async def eventually(
        self, check: Callable[[], bool | Awaitable[bool]], within: float = 60.0
    ) -> None:
        """Until ``check`` (plain or async) holds; fails when no worker is left."""
        deadline = asyncio.get_running_loop().time() + within
        while not await _holds(check):
            assert self.alive(), "no worker process is running; see worker-*.log"
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not reached in time; {await self.describe()}")
            await asyncio.sleep(0.2)

    async def describe(self) -> str:
        """Where things stand, for failure messages: sites, deliveries, the group's lag."""
        parts = []
        for number, site in self.sites.items():
            states = Counter(d.state for d in site.emulator.deliveries)
            issues = len(site.emulator.issues)
            parts.append(f"site {number}: {issues} issues, webhooks {dict(states)}")
        parts.append(f"unconsumed (committed/end) {await self.lag()}")
        parts.append(f"pairs not synced {await self.unsettled()}")
        parts.append(f"dead letters {len(await self.dead_letters())}")
        return "; ".join(parts)

    async def unsettled(self) -> dict[str, str]:
        """Each pair that is not ``synced``: its status, failure and when it is retried."""
        found: dict[str, str] = {}
        for pair_id, state in (await self.pair_states()).items():
            if state.get("status") != "synced" or state.get("failure"):
                failure = state.get("failure") or {}
                reason, due = failure.get("reason"), failure.get("next_retry_at")
                found[pair_id] = f"{state.get('status')} ({reason}; retried at {due})"
        return found

    async def lag(self) -> dict[str, str]:
        return await worker_lag(self.kafka, self.prefix, self.partitions)

    async def quiet(self, still: float = 4.0, within: float = 90.0) -> None:
        """Until nothing is written on either site for ``still`` seconds (echoes included)."""
        deadline = asyncio.get_running_loop().time() + within
        last, since = self.activity(), asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - since < still:
            assert asyncio.get_running_loop().time() < deadline, "the sites never went quiet"
            await asyncio.sleep(0.25)
            now = self.activity()
            if now != last:
                last, since = now, asyncio.get_running_loop().time()

    def activity(self) -> tuple[int, ...]:
        return tuple(len(site.emulator.calls) for site in self.sites.values())

    # --- Kafka ------------------------------------------------------------------------

    async def group_ready(self, members: int) -> bool:
        """The workers' consumer group is stable with ``members`` members (partitions dealt)."""
        return await group_stable(self.kafka, f"{self.prefix}.worker", members)

    async def send_command(self, body: dict[str, Any], key: str | None = None) -> None:
        await send_json(self.kafka, Topics(self.prefix).commands, body, key)

    async def console_produce(self, line: str) -> None:
        """One record onto the commands topic through Kafka's own ConsoleProducer (the
        Kafka jars of the local stack), as an operator would send it."""
        topic = Topics(self.prefix).commands
        await console_produce(self.kafka, topic, line, self.tmp / "maven.log")

    async def pair_states(self) -> dict[str, dict[str, Any]]:
        """The latest record of every pair on the sync-state topic."""
        return {
            k.decode(): json.loads(v) for k, v in (await self.read(Topics(self.prefix).sync_state))
        }

    async def dead_letters(self) -> list[dict[str, Any]]:
        return [json.loads(v) for _, v in await self.read(Topics(self.prefix).dead_letter)]

    async def read(self, topic: str) -> list[tuple[bytes, bytes]]:
        return await read_topic(self.kafka, topic, self.partitions)


async def _holds(check: Callable[[], bool | Awaitable[bool]]) -> bool:
    answer = check()
    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)


def fields_of(issue: Issue) -> dict[str, Any]:
    """Synced fields of an emulator issue, comparable across sites."""
    values = canonical(1, issue.fields, FieldMaps())
    return {name: values.get(name) for name in SYNCED}


@asynccontextmanager
async def pipeline(
    kafka: str,
    prefix: str,
    tmp: Path,
    *,
    workers: int = 1,
    partitions: int = 2,
    site_options: dict[int, dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Pipeline]:
    async with AsyncExitStack() as stack:
        settings = isolated_settings(
            kafka_bootstrap_servers=kafka,
            kafka_topic_prefix=prefix,
            webhook_secret=SECRET,
            kafka_partitions=partitions,
        )
        runner = web.AppRunner(build_app(settings, IngressOptions()))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        stack.push_async_callback(runner.cleanup)
        ingress = f"http://127.0.0.1:{runner.addresses[0][1]}"
        sites = {}
        contract = OpenApiContract(OPENAPI_SPEC)
        for number, key, custom in ((1, "PROJ1", 10042), (2, "PROJ2", 10142)):
            config = SiteConfig(
                project_key=key,
                webhook_url=f"{ingress}/webhook/jira{number}",
                webhook_secret=SECRET,
                contract=contract,
                text_field_id=f"customfield_{custom}",
                **({"webhook_retry": FAST_RETRY} | (site_options or {}).get(number, {})),
            )
            sites[number] = await stack.enter_async_context(serve_emulator(config))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        worker_env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "KAFKA_TOPIC_PREFIX": prefix,
            "KAFKA_PARTITIONS": str(partitions),
            "KAFKA_SESSION_TIMEOUT_SECONDS": "8",
            "SYNC_CREATE_GRACE_SECONDS": "3",
            # The attribution comment where the reporter cannot be set is one more write a
            # create; tests of other things count writes without it (tests/e2e/test_people.py
            # turns it on).
            "SYNC_REPORTER_ATTRIBUTION": "false",
            **(env or {}),
        }
        for number, site in sites.items():
            worker_env |= _site_env(number, site)
        p = Pipeline(sites, session, kafka, prefix, tmp, partitions, worker_env)
        stack.callback(_stop_all, p)
        for _ in range(workers):
            p.start_worker()
        yield p
        for running in sites.values():
            assert running.emulator.contract_violations == []


def _site_env(number: int, site: RunningSite) -> dict[str, str]:
    """How the worker signs in: Cloud's email and API token; on a Data Center site the
    integration account's username and its personal access token."""
    if site.emulator.datacenter:
        return {
            f"JIRA_{number}_BASE_URL": site.base_url,
            f"JIRA_{number}_FLAVOUR": "datacenter",
            f"JIRA_{number}_USERNAME": SYNC_ACCOUNT.partition("@")[0],
            f"JIRA_{number}_PERSONAL_ACCESS_TOKEN": "sandbox-pat",
        }
    return {
        f"JIRA_{number}_BASE_URL": site.base_url,
        f"JIRA_{number}_USERNAME": SYNC_ACCOUNT,
        f"JIRA_{number}_API_TOKEN": "sandbox-token",
    }


def _stop_all(p: Pipeline) -> None:
    for worker in p.alive():
        worker.send_signal(signal.SIGTERM)
    for worker in p.workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
