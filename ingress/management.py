"""Management routes, served by the ingress process on the same port.

``GET /health`` (open, no I/O), ``GET /health/details`` and ``POST /manual-sync`` (both need
``X-API-Key``), ``GET /metrics`` (open, Prometheus text format).
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ingress import context as ctx
from ingress.health import run_checks
from ingress.http import (
    BodyTooLarge,
    Unauthorized,
    UnreadableBody,
    check_api_key,
    json_error,
    read_body,
)
from ingress.outbox import Outcome, Unavailable
from ingress.publisher import MessageTooLarge
from streams.commands import Command, CommandError, parse_command

log = logging.getLogger(__name__)
HEALTHY = frozenset({"ok", "not configured"})


def management_routes() -> list[web.RouteDef]:
    return [
        web.get("/health", health),
        web.get("/health/details", health_details),
        web.post("/manual-sync", manual_sync),
        web.get("/metrics", metrics),
    ]


async def health(request: web.Request) -> web.Response:
    """Liveness: the process answers. Cheap on purpose; no dependency is contacted."""
    return web.json_response({"status": "ok"})


async def health_details(request: web.Request) -> web.Response:
    app = request.app
    try:
        check_api_key(request, app[ctx.SETTINGS].management_api_key)
    except Unauthorized as error:
        return json_error(401, "unauthorized", error.reason)
    checks = await run_checks(app[ctx.PROBES], app[ctx.OPTIONS].health_timeout)
    healthy = all(check.status in HEALTHY for check in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {name: check.as_json() for name, check in checks.items()},
        "waiting_for_broker": app[ctx.OUTBOX].pending,
    }
    return web.json_response(body, status=200 if healthy else 503)


async def manual_sync(request: web.Request) -> web.Response:
    """Publish one command on the command topic; 202 with its id once the broker has it."""
    app = request.app
    try:
        check_api_key(request, app[ctx.SETTINGS].management_api_key)
        body = await read_body(request, app[ctx.OPTIONS].max_body_bytes)
        command = parse_command(body, app[ctx.NEW_ID](), app[ctx.CLOCK]())
    except Unauthorized as error:
        return _refused(401, "unauthorized", error.reason)
    except BodyTooLarge as error:
        return _refused(413, "too_large", error.reason)
    except UnreadableBody as error:
        return _refused(400, "unreadable_body", error.reason)
    except CommandError as error:
        return _refused(400, "invalid_command", error.reason)
    return await _publish(app, command)


async def _publish(app: web.Application, command: Command) -> web.Response:
    counter = app[ctx.METRICS].commands
    topic = app[ctx.TOPICS].commands
    try:
        outcome = await app[ctx.OUTBOX].publish(
            command.command_id, topic, command.key.encode(), command.to_bytes()
        )
    except (Unavailable, MessageTooLarge) as error:
        counter.labels(command.command, "unavailable").inc()
        log.warning(
            "command not published", extra={"command": command.command, "reason": str(error)}
        )
        retry = {"Retry-After": str(app[ctx.OPTIONS].retry_after)}
        return json_error(503, "unavailable", str(error), retry)
    status = "accepted" if outcome is Outcome.PUBLISHED else outcome.value
    counter.labels(command.command, status).inc()
    fields = {"command": command.command, "command_id": command.command_id, "key": command.key}
    log.info("command %s", status, extra=fields)
    body = {"status": status, **fields, "topic": topic}
    return web.json_response(body, status=202)


def _refused(status: int, error: str, reason: str) -> web.Response:
    log.warning("command refused", extra={"status": status, "reason": reason})
    return json_error(status, error, reason)


async def metrics(request: web.Request) -> web.Response:
    payload = generate_latest(request.app[ctx.METRICS].registry)
    response = web.Response(body=payload)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
