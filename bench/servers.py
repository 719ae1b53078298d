"""The two servers the ingress benchmark compares, each run in a process of its own."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web

from ingress.context import IngressOptions
from ingress.publisher import RecordHeaders
from ingress.server import build_app
from streams.logs import configure_logging
from streams.settings import Settings

SECRET = "bench-webhook-secret"  # noqa: S105 - a fixed secret of the benchmark


class DiscardingPublisher:
    """Acknowledges at once and keeps nothing: measures the ingress without a broker."""

    async def start(self) -> None:
        return None

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
    ) -> asyncio.Future[None]:
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        acked.set_result(None)
        return acked

    async def close(self) -> None:
        return None


async def accept(request: web.Request) -> web.Response:
    """The baseline: read the body, answer 202."""
    await request.read()
    return web.Response(status=202)


async def healthy(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def bare_app() -> web.Application:
    app = web.Application(client_max_size=26 * 1024 * 1024)
    app.add_routes([web.post("/webhook/jira1", accept), web.get("/health", healthy)])
    return app


def ingress_app(kafka: str | None) -> web.Application:
    settings = Settings(
        _env_file=None,
        webhook_secret=SECRET,
        kafka_bootstrap_servers=kafka or "127.0.0.1:9092",
        kafka_topic_prefix=f"bench-{uuid.uuid4().hex[:8]}",
        kafka_partitions=1,
    )
    publisher = None if kafka else DiscardingPublisher()
    return build_app(settings, IngressOptions(), publisher)


def run_server(kind: str, port: int, kafka: str | None) -> None:
    """Entry point of the server process; stops on SIGTERM."""
    configure_logging("WARNING")
    app = bare_app() if kind == "bare" else ingress_app(kafka)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)
