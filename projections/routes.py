"""The status routes: ``/health`` (open), ``/status``, ``/syncs``, ``/syncs/{sync_id}``.

Everything is read from the projection store (DynamoDB), so every instance answers alike;
only the consumer lag is read from Kafka.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from projections import context as ctx
from projections.http import BadRequest, parse_list_query
from projections.kafka import TopicLag
from projections.model import PairItem, Totals
from projections.store import ProjectionStore
from streams.httpapi import json_error

MAX_ID_CHARS = 512


def status_routes() -> list[web.RouteDef]:
    return [
        web.get("/health", health),
        web.get("/status", status),
        web.get("/syncs", list_syncs),
        web.get("/syncs/{sync_id}", get_sync),
    ]


async def health(request: web.Request) -> web.Response:
    """Liveness, with no I/O: 503 once the projector stopped on its own, or while the
    store refuses its writes for a reason retrying will not fix."""
    failure = request.app[ctx.RUNTIME].failure()
    if failure is not None:
        return web.json_response({"status": "down", "reason": failure}, status=503)
    projector = request.app[ctx.PROJECTOR]
    if projector is not None and projector.stats.refused is not None:
        reason = f"the store refuses the projections: {projector.stats.refused}"
        return web.json_response({"status": "down", "reason": reason}, status=503)
    return web.json_response({"status": "ok"})


async def status(request: web.Request) -> web.Response:
    app = request.app
    totals = await app[ctx.STORE].totals()
    lag, lag_error = await lag_of(app)
    projector = app[ctx.PROJECTOR]
    consumer: dict[str, Any] = {"group": app[ctx.OPTIONS].group}
    consumer |= projector.stats.as_json() if projector is not None else {"running": None}
    consumer["lag"] = {entry.topic: entry.as_json() for entry in lag}
    consumer["lag_error"] = lag_error
    healthy = lag_error is None and (projector is None or projector.stats.running)
    body = {
        "status": "ok" if healthy else "degraded",
        "table": app[ctx.OPTIONS].table,
        **_figures(totals),
        "consumer": consumer,
    }
    return web.json_response(body)


def _figures(totals: Totals) -> dict[str, Any]:
    shown = totals.as_json()
    return {
        "counts": shown["counts"],
        "total": totals.total,
        "connections": {
            name: {"counts": shown["by_connection"][name], "total": sum(tally.values())}
            for name, tally in sorted(totals.by_connection.items())
        },
        "last_event": {side: shown["last_synced_at"].get(side) for side in ("site1", "site2")},
        "last_state_update": shown["last_updated_at"],
    }


async def lag_of(app: web.Application) -> tuple[list[TopicLag], str | None]:
    try:
        return await asyncio.wait_for(app[ctx.LAG](), app[ctx.OPTIONS].lag_timeout), None
    except TimeoutError:
        return [], f"Kafka did not answer within {app[ctx.OPTIONS].lag_timeout:g} s"
    except Exception as error:
        return [], f"{type(error).__name__}: {error}"


async def list_syncs(request: web.Request) -> web.Response:
    """``?state=conflicted&limit=20&cursor=...``: newest first; follow ``next_cursor``."""
    query = parse_list_query(request.query, request.app[ctx.OPTIONS].default_limit)
    page = await request.app[ctx.STORE].list_by_state(query.state, query.limit, query.cursor)
    body = {
        "state": query.state.value,
        "limit": query.limit,
        "count": len(page.items),
        "items": [item.as_json() for item in page.items],
        "next_cursor": page.next_cursor,
    }
    return web.json_response(body)


async def get_sync(request: web.Request) -> web.Response:
    """One pair, by ``pair_id`` (``1:10001``) or sync id (``PROJ1-1#PROJ2-2``, '#' as %23)."""
    ident = request.match_info["sync_id"]
    if len(ident) > MAX_ID_CHARS:
        raise BadRequest(f"sync id is longer than {MAX_ID_CHARS} characters")
    item = await find(request.app[ctx.STORE], ident)
    if item is None:
        reason = f"no pair {ident!r}: give its pair id (1:10001) or sync id (PROJ1-1%23PROJ2-2)"
        return json_error(404, "not_found", reason)
    return web.json_response(item.as_json())


async def find(store: ProjectionStore, ident: str) -> PairItem | None:
    """A display sync id always holds '#'; a pair id never does."""
    if "#" in ident:
        return await store.find_by_sync_id(ident)
    return await store.get(ident)
