"""The whole pipeline for end-to-end tests: two emulated sites -> signed webhooks -> the real
ingress -> real Kafka -> real worker processes -> JIRA writes on the other site.

Humans are alice (site 1) and bob (site 2); the sync works as sandbox@example.com, so the
emulators' call logs tell the sync's writes apart from the humans'.
"""

from __future__ import annotations

import asyncio
import base64
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
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ingress.context import IngressOptions
from ingress.server import build_app
from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from sandbox.emulator import writes_by
from sandbox.model import Issue
from stack.artifacts import KAFKA, ensure_jars
from stack.services import java_binary
from streams.sync.fields import FieldMaps, canonical
from streams.topics import Topics
from tests.infra import OPENAPI_SPEC, isolated_settings, shared_stack_home

SECRET = "e2e-webhook-secret"
SYNC_ACCOUNT = "sandbox@example.com"
HUMANS = {1: "alice", 2: "bob"}
SYNCED = ("summary", "description", "priority", "labels", "status")


@dataclass
class Pipeline:
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
        return "; ".join(parts)

    async def lag(self) -> dict[str, str]:
        topics = Topics(self.prefix)
        names = [topics.events(1), topics.events(2), topics.pair_changes, topics.retry]
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(f"{self.prefix}.worker")
        finally:
            await admin.close()
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            parts = [TopicPartition(name, n) for name in names for n in range(self.partitions)]
            ends = await consumer.end_offsets(parts)
        finally:
            await consumer.stop()
        lagging = {}
        for tp in parts:
            done = committed[tp].offset if tp in committed else None
            if done != ends[tp]:
                lagging[f"{tp.topic.removeprefix(self.prefix + '.')}[{tp.partition}]"] = (
                    f"{done}/{ends[tp]}"
                )
        return lagging

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

    # --- JIRA, as a human and as seen by the sync -------------------------------------

    async def call(
        self, site: int, method: str, path: str, body: object = None, user: str | None = None
    ) -> Any:
        who = user or HUMANS[site]
        token = base64.b64encode(f"{who}@example.com:{who}-token".encode()).decode()
        url = self.sites[site].base_url + path
        headers = {"Authorization": f"Basic {token}"}
        async with self.session.request(method, url, json=body, headers=headers) as answer:
            assert answer.status < 300, await answer.text()
            return await answer.json() if answer.content_length else None

    async def create(self, site: int, summary: str, **fields: Any) -> str:
        key = self.sites[site].emulator.config.project_key
        body = {
            "fields": {
                "project": {"key": key},
                "issuetype": {"name": "Task"},
                "summary": summary,
                **fields,
            }
        }
        created = await self.call(site, "POST", "/rest/api/3/issue", body)
        return str(created["key"])

    def create_inside(self, site: int, summary: str) -> str:
        """A create made inside the emulator (webhooks fire, no REST call, no rate limit)."""
        emulator = self.sites[site].emulator
        email = f"{HUMANS[site]}@example.com"
        [user] = [u for u in emulator.users.all() if u.email == email]
        project = emulator.config.project_key
        body = {
            "fields": {
                "project": {"key": project},
                "issuetype": {"name": "Task"},
                "summary": summary,
            }
        }
        return emulator.site.create(user, body).key

    async def edit(self, site: int, key: str, **fields: Any) -> None:
        await self.call(site, "PUT", f"/rest/api/3/issue/{key}", {"fields": fields})

    async def transition(self, site: int, key: str, status: str) -> None:
        answer = await self.call(site, "GET", f"/rest/api/3/issue/{key}/transitions")
        [wanted] = [t for t in answer["transitions"] if t["to"]["name"] == status]
        body = {"transition": {"id": wanted["id"]}}
        await self.call(site, "POST", f"/rest/api/3/issue/{key}/transitions", body)

    def issues(self, site: int) -> dict[str, Issue]:
        return self.sites[site].emulator.issues

    def find(self, site: int, summary: str) -> Issue | None:
        return next(
            (i for i in self.issues(site).values() if i.fields.get("summary") == summary), None
        )

    def twin(self, site: int, key: str) -> Issue | None:
        """The issue on ``site`` whose link marker or remote link names ``key``."""
        for issue in self.issues(site).values():
            marker = issue.properties.get("jira-sync.link") or {}
            if marker.get("key") == key:
                return issue
        for issue in self.issues(site).values():
            if any(key in str(link) for link in issue.remote_links):
                return issue
        return None

    def sync_writes(self, site: int) -> int:
        return len(writes_by(self.sites[site].emulator, SYNC_ACCOUNT))

    def throttled(self, site: int) -> int:
        calls = self.sites[site].emulator.calls
        return sum(1 for c in calls if c.email == SYNC_ACCOUNT and c.status == 429)

    # --- Kafka ------------------------------------------------------------------------

    async def group_ready(self, members: int) -> bool:
        """The workers' consumer group is stable with ``members`` members (partitions dealt)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        try:
            [response] = await admin.describe_consumer_groups([f"{self.prefix}.worker"])
        except KafkaError:  # no coordinator yet: the group does not exist so far
            return False
        finally:
            await admin.close()
        return any(entry[2] == "Stable" and len(entry[5]) == members for entry in response.groups)

    async def send_command(self, body: dict[str, Any], key: str | None = None) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka)
        await producer.start()
        try:
            await producer.send_and_wait(
                Topics(self.prefix).commands,
                json.dumps(body).encode(),
                key=key.encode() if key else None,
            )
        finally:
            await producer.stop()

    async def console_produce(self, line: str) -> None:
        """One record onto the commands topic through Kafka's own ConsoleProducer (the
        Kafka jars of the local stack), as an operator would send it."""
        lib = ensure_jars(shared_stack_home().cache, KAFKA, self.tmp / "maven.log")
        command = [
            java_binary(),
            "-cp",
            f"{lib}/*",
            "kafka.tools.ConsoleProducer",
            "--bootstrap-server",
            self.kafka,
            "--topic",
            Topics(self.prefix).commands,
        ]
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(line.encode() + b"\n"), 60)
        assert process.returncode == 0, output.decode(errors="replace")

    async def pair_states(self) -> dict[str, dict[str, Any]]:
        """The latest record of every pair on the sync-state topic."""
        return {
            k.decode(): json.loads(v) for k, v in (await self.read(Topics(self.prefix).sync_state))
        }

    async def dead_letters(self) -> list[dict[str, Any]]:
        return [json.loads(v) for _, v in await self.read(Topics(self.prefix).dead_letter)]

    async def read(self, topic: str) -> list[tuple[bytes, bytes]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka, enable_auto_commit=False)
        await consumer.start()
        try:
            if topic not in await consumer.topics():
                return []  # the worker has not declared it yet
            parts = [TopicPartition(topic, n) for n in range(self.partitions)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            records: list[tuple[bytes, bytes]] = []
            while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
                batch = await consumer.getmany(timeout_ms=1000)
                for items in batch.values():
                    records += [(r.key or b"", r.value or b"") for r in items]
            return records
        finally:
            await consumer.stop()


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
                **(site_options or {}).get(number, {}),
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
            **(env or {}),
        }
        for number, site in sites.items():
            worker_env |= {
                f"JIRA_{number}_BASE_URL": site.base_url,
                f"JIRA_{number}_USERNAME": SYNC_ACCOUNT,
                f"JIRA_{number}_API_TOKEN": "sandbox-token",
            }
        p = Pipeline(sites, session, kafka, prefix, tmp, partitions, worker_env)
        stack.callback(_stop_all, p)
        for _ in range(workers):
            p.start_worker()
        yield p
        for running in sites.values():
            assert running.emulator.contract_violations == []


def _stop_all(p: Pipeline) -> None:
    for worker in p.alive():
        worker.send_signal(signal.SIGTERM)
    for worker in p.workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
