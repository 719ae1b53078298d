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
import random
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

from harness.infra import OPENAPI_SPEC, isolated_settings, shared_stack_home
from ingress.context import IngressOptions
from ingress.server import build_app
from sandbox import RunningSite, SiteConfig, WebhookRetry, serve_emulator
from sandbox.contract import OpenApiContract
from sandbox.emulator import writes_by
from sandbox.model import Issue, RemoteLink
from stack.artifacts import KAFKA, ensure_jars
from stack.services import java_binary
from streams.jira.adf import text_to_adf
from streams.sync.fields import FieldMaps, canonical
from streams.topics import Topics

SECRET = "e2e-webhook-secret"
SYNC_ACCOUNT = "sandbox@example.com"
# JIRA retries a failed delivery 5-15 minutes later (the emulator's default); the e2e
# tests take JIRA's timing shrunk 100 times (3-9 s a retry, 5 retries: 15-45 s in all).
FAST_RETRY = WebhookRetry.fast(scale=1 / 100)
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
        """One REST call as a human; a 429 is waited out (``Retry-After``) and retried."""
        who = user or HUMANS[site]
        token = base64.b64encode(f"{who}@example.com:{who}-token".encode()).decode()
        url = self.sites[site].base_url + path
        headers = {"Authorization": f"Basic {token}"}
        for _ in range(10):
            async with self.session.request(method, url, json=body, headers=headers) as answer:
                if answer.status != 429:
                    assert answer.status < 300, await answer.text()
                    return await answer.json() if answer.content_length else None
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
        raise AssertionError(f"{method} {path} on site {site}: 429 ten times")

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

    async def transition(
        self, site: int, key: str, status: str, fields: dict[str, Any] | None = None
    ) -> None:
        """As a person: through the screen, with ``fields`` or else the first allowed value
        of each required field."""
        path = f"/rest/api/3/issue/{key}/transitions"
        answer = await self.call(site, "GET", f"{path}?expand=transitions.fields")
        [wanted] = [t for t in answer["transitions"] if t["to"]["name"] == status]
        body = {"transition": {"id": wanted["id"]}, "fields": fields or _picked(wanted)}
        try:
            await self.call(site, "POST", path, body)
        except AssertionError:  # the sync moved it there meanwhile: the person sees it done
            if self.issues(site)[key].fields["status"]["name"] != status:
                raise

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
            if any(_links_to(link, key) for link in issue.remote_links):
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


STATUSES = ("To Do", "In Progress", "In Review", "Done")
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
CHANGES = ("summary", "labels", "priority", "description", "status")


@dataclass
class Tracked:
    """One issue a human made, and the synced fields as the humans last left them."""

    origin: int
    key: str
    expected: dict[str, Any]
    editor: int  # the side humans edit: one side per pair, so no change ever conflicts
    changes: int = 0

    @property
    def other(self) -> int:
        return 2 if self.origin == 1 else 1


class Humans:
    """alice (site 1) and bob (site 2) at work through REST: creates, edits of every synced
    field and transitions. About half of the pairs are edited on their counterpart (made by
    the sync), the others on the original; every change changes something, so each one is
    a webhook.
    """

    def __init__(self, p: Pipeline, dice: random.Random) -> None:
        self.p = p
        self.dice = dice
        self.made: list[Tracked] = []

    @property
    def changes(self) -> int:
        return len(self.made) + sum(t.changes for t in self.made)

    async def create(self, site: int) -> Tracked:
        n = len(self.made)
        key = await self.p.create(site, f"Issue {n} from site {site}", labels=[f"i{n}"])
        editor = self.dice.choice((1, 2))
        tracked = Tracked(site, key, fields_of(self.p.issues(site)[key]), editor)
        self.made.append(tracked)
        return tracked

    async def change(self) -> None:
        """One change of a random issue, on its editing side (a pair edited on the
        counterpart is left alone until the sync has made it)."""
        for _ in range(300):
            marked = {site: self._marked(site) for site in (1, 2)}
            ready = [(t, side) for t in self.made if (side := self._editing(t, marked))]
            if ready:
                break
            await asyncio.sleep(0.1)  # only counterparts to edit, and none made yet
        else:
            raise AssertionError("no counterpart was made within 30 s")
        tracked, (site, key) = self.dice.choice(ready)
        what = self.dice.choice(CHANGES)
        n = tracked.changes = tracked.changes + 1
        now = tracked.expected
        if what == "status":
            await self.p.transition(site, key, self._other(STATUSES, now["status"]))
        elif what == "priority":
            await self.p.edit(site, key, priority={"name": self._other(PRIORITIES, now[what])})
        elif what == "summary":
            await self.p.edit(site, key, summary=f"{now['summary'].split(' v')[0]} v{n}")
        elif what == "labels":
            await self.p.edit(site, key, labels=[f"c{n}", self.dice.choice(("ops", "dev"))])
        else:
            await self.p.edit(site, key, description=text_to_adf(f"Change {n} on site {site}"))
        tracked.expected = fields_of(self.p.issues(site)[key])
        assert tracked.expected != now, f"{what} of {key} changed nothing"

    def _editing(
        self, tracked: Tracked, marked: dict[int, dict[str, list[Issue]]]
    ) -> tuple[int, str] | None:
        """The site and key humans edit this pair on; None while that issue does not exist."""
        if tracked.editor == tracked.origin:
            return (tracked.origin, tracked.key)
        twins = marked[tracked.editor].get(tracked.key)
        return (tracked.editor, twins[0].key) if twins else None

    def _other(self, choices: tuple[str, ...], current: str) -> str:
        return self.dice.choice([c for c in choices if c != current])

    def counterparts(self, tracked: Tracked) -> list[Issue]:
        """The issues on the other site whose link marker names this one."""
        return self._marked(tracked.other).get(tracked.key, [])

    def _marked(self, site: int) -> dict[str, list[Issue]]:
        """The issues the sync made on ``site``, by the key their link marker names."""
        marked: dict[str, list[Issue]] = {}
        for issue in self.p.issues(site).values():
            marker = issue.properties.get("jira-sync.link")
            if isinstance(marker, dict):
                marked.setdefault(str(marker.get("key")), []).append(issue)
        return marked

    def behind(self) -> list[str]:
        """What is not synced yet: one line per pair whose sides differ from the humans'."""
        lagging = []
        marked = {site: self._marked(site) for site in (1, 2)}
        for tracked in self.made:
            mine = self.p.issues(tracked.origin).get(tracked.key)
            twins = marked[tracked.other].get(tracked.key, [])
            if mine is None or len(twins) != 1:
                lagging.append(f"{tracked.key}: {len(twins)} counterparts")
            elif not fields_of(mine) == fields_of(twins[0]) == tracked.expected:
                lagging.append(
                    f"{tracked.key} (edited on site {tracked.editor}): {fields_of(mine)}, "
                    f"{twins[0].key}: {fields_of(twins[0])}, expected {tracked.expected}"
                )
        return lagging

    async def no_write_back(self) -> None:
        """The sync made no field write (edit, transition) on the side the humans edit:
        such a write is an echo or a stale value written back over theirs. Remote links
        do not count."""
        edited: dict[tuple[int, str], str] = {}  # (site, issue key or id) -> pair's key
        marked = {site: self._marked(site) for site in (1, 2)}
        for tracked in self.made:
            if tracked.editor == tracked.origin:
                issues = [self.p.issues(tracked.origin)[tracked.key]]
            else:
                issues = marked[tracked.editor].get(tracked.key, [])
            for issue in issues:
                edited[(tracked.editor, issue.key)] = edited[(tracked.editor, issue.id)] = (
                    tracked.key
                )
        back: dict[str, str] = {}
        for site in (1, 2):
            for call in writes_by(self.p.sites[site].emulator, SYNC_ACCOUNT):
                parts = call.path.split("/")  # /rest/api/3/issue/KEY[/transitions]
                if len(parts) < 6 or parts[4] != "issue" or parts[-1] == "remotelink":
                    continue
                if (site, parts[5]) in edited:
                    back[f"{call.method} {call.path} on site {site}"] = edited[(site, parts[5])]
        if back:
            report = await self.diagnose(list(back.values()))
            raise AssertionError(
                f"the sync wrote on the side the humans edit: {list(back)[:3]} "
                f"(histories in {report})"
            )

    async def synced(self, within: float) -> None:
        """Until every pair holds the humans' last values on both sides."""
        try:
            await self.p.eventually(lambda: not self.behind(), within=within)
        except AssertionError as error:
            lagging = self.behind()
            states = (await self.p.pair_states()).values()
            unsettled = [
                f"{s['pair_id']} {s['status']} {sorted(s.get('conflicts') or {})}"
                for s in states
                if s["status"] != "synced"
            ]
            report = await self.diagnose([line.split()[0] for line in lagging])
            raise AssertionError(
                f"{error}; {len(lagging)} pairs behind: {lagging[:3]}; pairs not synced: "
                f"{unsettled[:5]}; their histories in {report}"
            ) from None

    async def diagnose(self, keys: list[str]) -> Path:
        """The story of some pairs, for a failure: both issues' changelogs (who changed
        what, when) and every state the sync recorded for the pair."""
        records = await self.p.read(Topics(self.p.prefix).sync_state)
        lines = []
        for tracked in (t for t in self.made if t.key in keys):
            origin = self.p.issues(tracked.origin)[tracked.key]
            lines.append(f"== {tracked.key} (edited on site {tracked.editor}): {tracked.expected}")
            for site, issue in [(tracked.origin, origin)] + [
                (tracked.other, twin) for twin in self.counterparts(tracked)
            ]:
                sync = self.p.sites[site].emulator.config.integration_account_id
                lines.append(f"  site {site} {issue.key}, created {issue.created_ms}")
                for group in issue.changelog:
                    who = "sync" if group.author_id == sync else "human"
                    changes = [f"{i.field}: {i.from_string} -> {i.to_string}" for i in group.items]
                    lines.append(f"    {group.created_ms} {who} {'; '.join(changes)}")
            pair_id = f"{tracked.origin}:{origin.id}".encode()
            for key, value in records:
                if key == pair_id:
                    lines.append(f"  state {value.decode()}")
        report = self.p.tmp / "diagnosis.txt"
        report.write_text("\n".join(lines) + "\n")
        return report

    def check(self) -> None:
        """Zero lost changes, zero duplicates: the humans' last values on both sides of
        every pair, each issue once, and no issue the humans did not cause."""
        lagging = self.behind()
        assert not lagging, f"{len(lagging)} pairs differ, e.g. {lagging[:3]}"
        for site in (1, 2):
            origins = sum(1 for t in self.made if t.origin == site)
            assert len(self.p.issues(site)) == len(self.made), (
                f"site {site}: {len(self.p.issues(site))} issues for {origins} made here and "
                f"{len(self.made) - origins} counterparts"
            )


def _picked(transition: dict[str, Any]) -> dict[str, Any]:
    """The first allowed value of each required field of a transition's screen."""
    picked: dict[str, Any] = {}
    for field_id, meta in transition.get("fields", {}).items():
        if meta["required"]:
            first = meta["allowedValues"][0]
            picked[field_id] = {"value": first["value"]} if "value" in first else first
    return picked


def _links_to(link: RemoteLink, key: str) -> bool:
    """A remote link to the issue ``key`` exactly (PROJ1-1 is not PROJ1-11)."""
    url = str((link.body.get("object") or {}).get("url", ""))
    return url.endswith(f"/browse/{key}")


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
