"""The composition root of the status endpoint: ``create_app(settings, store, ...)``.

The store is made ready (table created when absent) and the projector started as a task
in ``cleanup_ctx``; on shutdown the task is cancelled (uncommitted work is redelivered
later, harmlessly), the consumer leaves its group and the store is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from projections import context as ctx
from projections.console_routes import console_routes
from projections.consumer import Projector
from projections.http import json_errors, require_api_key
from projections.kafka import LagProbe
from projections.routes import status_routes
from projections.store import ProjectionStore
from streams.settings import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    store: ProjectionStore,
    lag: LagProbe = ctx.no_lag,
    projector: Projector | None = None,
    options: ctx.StatusOptions | None = None,
    console: ctx.ConsolePorts | None = None,
) -> web.Application:
    """The status app and its console; with a ``projector`` it also runs the projection."""
    app = web.Application(middlewares=[json_errors, require_api_key])
    app[ctx.STORE] = store
    app[ctx.API_KEY] = settings.management_api_key
    app[ctx.LAG] = lag
    app[ctx.PROJECTOR] = projector
    app[ctx.OPTIONS] = options or ctx.StatusOptions()
    app[ctx.RUNTIME] = ctx.Runtime()
    app[ctx.CONSOLE] = console or ctx.ConsolePorts()
    app.cleanup_ctx.append(_lifecycle)
    app.add_routes(status_routes())
    app.add_routes(console_routes())
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    store, projector, runtime = app[ctx.STORE], app[ctx.PROJECTOR], app[ctx.RUNTIME]
    await store.ensure()
    if projector is not None:
        runtime.task = asyncio.create_task(projector.run(), name="projections")
        runtime.task.add_done_callback(_report_stop)
    log.info("projections status ready", extra={"table": app[ctx.OPTIONS].table})
    yield
    if runtime.task is not None:
        runtime.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runtime.task
    if projector is not None:
        await projector.close()
    close = getattr(app[ctx.CONSOLE].send, "close", None)
    if close is not None:
        await close()
    await store.close()
    log.info("projections stopped")


def _report_stop(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("projections consumer stopped", exc_info=task.exception())
