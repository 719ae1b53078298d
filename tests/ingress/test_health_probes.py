"""The probes of the detailed health view against real Kafka, DynamoDB Local and an HTTP
server answering JIRA's ``serverInfo``."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ingress.context import IngressOptions
from ingress.health import dynamodb_probe, jira_probe, kafka_probe, run_checks
from ingress.publisher import MemoryPublisher
from ingress.server import build_app
from stack.probes import free_port
from tests.ingress.conftest import api_key, make_settings

pytestmark = pytest.mark.integration
USER, TOKEN = "bot@example.com", "jira-api-token"


async def server_info(request: web.Request) -> web.Response:
    expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return web.json_response({"errorMessages": ["unauthorized"]}, status=401)
    return web.json_response({"version": "1001.0.0", "deploymentType": "Cloud"})


@pytest.fixture
async def jira_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/rest/api/3/serverInfo", server_info)
    async with TestServer(app) as server:
        yield str(server.make_url("")).rstrip("/")


async def test_each_probe_reports_ok_or_why_not(
    kafka_bootstrap: str, dynamodb_endpoint: str, jira_url: str
) -> None:
    site = make_settings(jira_1_base_url=jira_url, jira_1_username=USER, jira_1_api_token=TOKEN)
    wrong = make_settings(jira_2_base_url=jira_url, jira_2_username=USER, jira_2_api_token="x")
    checks = await run_checks(
        {
            "kafka": kafka_probe(kafka_bootstrap, 5),
            "no-kafka": kafka_probe(f"127.0.0.1:{free_port()}", 1),
            "dynamodb": dynamodb_probe(dynamodb_endpoint, "us-east-1", 5),
            "jira": jira_probe(site.site(1), 5),
            "jira-wrong-token": jira_probe(wrong.site(2), 5),
            "sandbox": jira_probe(site.site(2), 5),
        },
        limit=10,
    )
    assert checks["kafka"].status == "ok"
    assert checks["no-kafka"].status == "down"
    assert checks["dynamodb"].status == "ok"
    assert (checks["jira"].status, checks["jira"].detail) == ("ok", "JIRA 1001.0.0")
    assert checks["jira-wrong-token"].detail == "serverInfo answered HTTP 401"
    assert checks["sandbox"].status == "not configured"


async def test_the_detailed_view_of_the_real_app(
    kafka_bootstrap: str, dynamodb_endpoint: str, jira_url: str
) -> None:
    settings = make_settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        dynamodb_endpoint_url=dynamodb_endpoint,
        jira_1_base_url=jira_url,
        jira_1_username=USER,
        jira_1_api_token=TOKEN,
    )
    app = build_app(settings, IngressOptions(), MemoryPublisher())
    async with (
        TestServer(app) as server,
        aiohttp.ClientSession() as session,
        session.get(server.make_url("/health/details"), headers=api_key()) as response,
    ):
        assert response.status == 200
        answer = await response.json()
    statuses = {name: check["status"] for name, check in answer["checks"].items()}
    assert statuses == {"kafka": "ok", "dynamodb": "ok", "jira1": "ok", "jira2": "not configured"}
