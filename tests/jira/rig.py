"""What the applier tests against the emulator share: two emulated sites over HTTP, the sync
account's credentials on each, and the states an applier makes durable before it writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr

from sandbox import RunningSite, SiteConfig, serve_emulator
from streams.jira.transport import SiteAuth
from streams.state import PairState
from streams.sync.applier import Applier

SYNC_ACCOUNT = "sandbox@example.com"


@asynccontextmanager
async def two_sites(one: SiteConfig, two: SiteConfig) -> AsyncIterator[dict[int, RunningSite]]:
    """Both sites served; on a clean exit, neither saw a request outside JIRA's contract."""
    async with serve_emulator(one) as first, serve_emulator(two) as second:
        yield {1: first, 2: second}
        assert first.emulator.contract_violations == []
        assert second.emulator.contract_violations == []


def sync_auth(running: RunningSite) -> SiteAuth:
    return SiteAuth(running.base_url, SYNC_ACCOUNT, SecretStr("sandbox-token"))


def recorded(applier: Applier) -> list[PairState]:
    """The states ``applier`` makes durable before its writes, in order (the worker's
    ``persist``, as a list)."""
    intents: list[PairState] = []

    async def record(state: PairState) -> None:
        intents.append(state)

    applier.before_writes = record
    return intents
