"""The whole pipeline: two emulated sites -> signed webhooks -> real ingress -> real Kafka ->
a real worker process -> JIRA writes on the other site.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from ingress.context import IngressOptions
from ingress.server import build_app
from sandbox import RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from streams.jira.adf import text_to_adf
from tests.infra import OPENAPI_SPEC, isolated_settings

pytestmark = pytest.mark.integration
SECRET = "e2e-webhook-secret"


@dataclass
class Pipeline:
    sites: dict[int, RunningSite]
    session: aiohttp.ClientSession
    worker: subprocess.Popen[bytes]

    async def eventually(self, check: Callable[[], bool], within: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not check():
            assert self.worker.poll() is None, "the worker process died; see worker.log"
            assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
            await asyncio.sleep(0.2)

    async def call(
        self, site: int, method: str, path: str, body: object = None, user: str = "alice"
    ) -> object:
        token = base64.b64encode(f"{user}@example.com:{user}-token".encode()).decode()
        url = self.sites[site].base_url + path
        headers = {"Authorization": f"Basic {token}"}
        async with self.session.request(method, url, json=body, headers=headers) as answer:
            assert answer.status < 300, await answer.text()
            return await answer.json() if answer.content_length else None

    def issues(self, site: int) -> dict[str, object]:
        return self.sites[site].emulator.issues  # type: ignore[return-value]


@asynccontextmanager
async def pipeline(kafka: str, prefix: str, tmp: Path) -> AsyncIterator[Pipeline]:
    async with AsyncExitStack() as stack:
        settings = isolated_settings(
            kafka_bootstrap_servers=kafka,
            kafka_topic_prefix=prefix,
            webhook_secret=SECRET,
            kafka_partitions=2,
        )
        runner = web.AppRunner(build_app(settings, IngressOptions()))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
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
            )
            sites[number] = await stack.enter_async_context(serve_emulator(config))
        worker = start_worker(kafka, prefix, sites, tmp)
        stack.callback(stop_worker, worker)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Pipeline(sites, session, worker)
        for running in sites.values():
            assert running.emulator.contract_violations == []


def start_worker(
    kafka: str, prefix: str, sites: dict[int, RunningSite], tmp: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": prefix,
        "KAFKA_PARTITIONS": "2",
    }
    for number, site in sites.items():
        env |= {
            f"JIRA_{number}_BASE_URL": site.base_url,
            f"JIRA_{number}_USERNAME": "sandbox@example.com",
            f"JIRA_{number}_API_TOKEN": "sandbox-token",
        }
    log = (tmp / "worker.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jira_sync",
            "worker",
            "--store",
            "memory://",
            "--data-dir",
            str(tmp / "data"),
            "--env-file",
            str(tmp / "none.env"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def find(issues: dict[str, object], summary: str) -> object | None:
    return next((i for i in issues.values() if i.fields.get("summary") == summary), None)  # type: ignore[attr-defined]


async def test_create_and_edits_flow_both_ways_without_echo(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        body = {
            "fields": {
                "project": {"key": "PROJ1"},
                "issuetype": {"name": "Task"},
                "summary": "Printer on fire",
                "description": text_to_adf("Paper jam\n* tray 2"),
                "labels": ["ops"],
            }
        }
        await p.call(1, "POST", "/rest/api/3/issue", body)
        await p.eventually(lambda: find(p.issues(2), "Printer on fire") is not None)
        twin = find(p.issues(2), "Printer on fire")
        assert twin.properties["jira-sync.link"]["pair_id"].startswith("1:")  # type: ignore[attr-defined]
        assert twin.fields["labels"] == ["ops"]  # type: ignore[attr-defined]

        await p.call(
            2,
            "PUT",
            f"/rest/api/3/issue/{twin.key}",
            {"fields": {"summary": "Printer fixed"}},
            user="bob",
        )  # type: ignore[attr-defined]
        await p.eventually(lambda: find(p.issues(1), "Printer fixed") is not None)

        await p.call(
            1, "POST", "/rest/api/3/issue/PROJ1-1/transitions", {"transition": {"id": "21"}}
        )
        await p.eventually(lambda: twin.fields["status"]["name"] != "To Do")  # type: ignore[attr-defined]
        await asyncio.sleep(5)  # quiescence: echoes must not produce further writes
        histories = [len(issue.changelog) for site in (1, 2) for issue in p.issues(site).values()]  # type: ignore[attr-defined]
        await asyncio.sleep(3)
        assert [
            len(issue.changelog) for site in (1, 2) for issue in p.issues(site).values()
        ] == histories  # type: ignore[attr-defined]
        assert len(p.issues(1)) == 1
        assert len(p.issues(2)) == 1
