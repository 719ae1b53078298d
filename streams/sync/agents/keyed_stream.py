"""A Faust agent's stream through a ``streams.sync.keyed.KeyedScheduler``: events of
different keys handled at the same time, one key's in order, each acknowledged in offset
order per partition.

Why not Faust's own ``concurrency=``: its actors share one queue, so one key's events can
overlap, and its offset tracking commits past unfinished work when acknowledgements come
out of order: ``Consumer._new_offset`` takes the first run of acknowledged offsets, and
guards the head only when the committed offset is known and non-zero, and then by a
distance of more than one (faust-streaming 0.15.3; #606, #707). Here Faust only ever sees
acknowledgements in offset order, each event after every earlier one of its partition is
done, so its commit (``broker_commit_every`` / ``broker_commit_interval``, after a producer
flush) never passes unfinished work.

The stream is read with ``noack``; each event's handler runs in a copy of the context
Faust set while reading it, so ``current_event()`` (which a table write uses to pick its
changelog partition) is that event in its own task. On revocation (``SyncApp``'s
``before_revoking``, before Faust waits for started events) nothing more starts from the
revoked partitions: the events queued are dropped from Faust's unacknowledged set (Faust
waits for that set to empty) and read again by the partition's next owner.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import faust
from faust.types import EventT

from streams.sync.keyed import KeyedScheduler, Limits

Headers = Mapping[str, bytes]
Handler = Callable[[bytes, bytes, Headers], Awaitable[None]]  # key, value, record headers


def agent_for(app: faust.App, limits: Limits | None, handle: Handler) -> Callable[[Any], Any]:
    """The agent function calling ``handle(key, value, headers)`` for each event: one at a time
    (each acknowledged, so committed, before the next is read) when ``limits`` is None,
    else through a keyed scheduler."""
    return serial_agent(handle) if limits is None else keyed_agent(app, limits, handle)


def serial_agent(handle: Handler) -> Callable[[Any], Any]:
    async def agent(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            await handle(event.key, event.value, event.headers)

    return agent


def keyed_agent(app: faust.App, limits: Limits, handle: Handler) -> Callable[[Any], Any]:
    """The agent function: ``handle(key, value, headers)`` for each event, through a
    scheduler."""

    async def agent(stream: faust.StreamT[Any]) -> None:
        manual: Any = cast(Any, stream).noack()  # on Stream, not on StreamT

        async def ack(event: EventT[Any]) -> None:
            await manual.ack(event)

        def forget(event: EventT[Any]) -> None:
            app.consumer.unacked.discard(event.message)

        scheduler: KeyedScheduler[EventT[Any]] = KeyedScheduler(limits, ack, forget)
        hooks = getattr(app, "before_revoking", None)
        if hooks is not None:
            hooks.append(scheduler.revoke)
        try:
            async for event in manual.events():
                message = event.message
                work = _bound(handle, event.key, event.value, event.headers)
                key = event.key if event.key is not None else message.tp
                context = contextvars.copy_context()  # holds this event as current
                await scheduler.submit(message.tp, message.offset, key, event, work, context)
        finally:
            if hooks is not None:
                hooks.remove(scheduler.revoke)
            await scheduler.stop()

    return agent


def _bound(
    handle: Handler, key: Any, value: Any, headers: Headers
) -> Callable[[], Awaitable[None]]:
    async def work() -> None:
        await handle(key, value, headers)

    return work
