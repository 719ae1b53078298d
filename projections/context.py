"""What the status handlers find on the app: options, runtime and typed ``web.AppKey``s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import SecretStr

from projections.console_kafka import (
    CommandSender,
    JournalSource,
    LetterSource,
    Redriver,
    no_commands,
    no_journal,
    no_letters,
    no_redrive,
)
from projections.consumer import Projector
from projections.kafka import LagProbe, TopicLag
from projections.store import ProjectionStore


@dataclass(frozen=True)
class StatusOptions:
    """Knobs of the status endpoint that are not deployment settings."""

    table: str = ""
    group: str = ""
    lag_timeout: float = 5.0
    default_limit: int = 20


@dataclass
class Runtime:
    """The projector's task, once the app has started it."""

    task: asyncio.Task[None] | None = None

    def failure(self) -> str | None:
        """Why the projector stopped on its own, if it did."""
        task = self.task
        if task is None or not task.done() or task.cancelled():
            return None
        error = task.exception()
        return f"{type(error).__name__}: {error}" if error is not None else "stopped"


@dataclass(frozen=True)
class ConsolePorts:
    """What the console needs beyond the store: one pair's journal, a command sender, the
    command topic, a clock (seconds since the epoch) for the session cookies, the dead
    letters with their states, and their re-drive."""

    journal: JournalSource = no_journal
    send: CommandSender = no_commands
    commands_topic: str = ""
    clock: Callable[[], float] = time.time
    letters: LetterSource = no_letters
    redrive: Redriver = no_redrive


async def no_lag() -> list[TopicLag]:
    return []


STORE: web.AppKey[ProjectionStore] = web.AppKey("store")
API_KEY: web.AppKey[SecretStr | None] = web.AppKey("api_key")
LAG: web.AppKey[LagProbe] = web.AppKey("lag")
PROJECTOR: web.AppKey[Projector | None] = web.AppKey("projector")
OPTIONS = web.AppKey("options", StatusOptions)
RUNTIME = web.AppKey("runtime", Runtime)
CONSOLE = web.AppKey("console", ConsolePorts)
