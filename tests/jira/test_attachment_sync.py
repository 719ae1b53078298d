"""Attachments through the real engine and applier against two emulated sites over HTTP:
the files an issue has when its counterpart is made travel with it, byte for byte; a copy
made by a step that died before recording it is found (same name and size), not made
twice (once its bytes hash the same: ``test_attachment_hashes``); a look that fails for a
whole step is done again by the pair's retry."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from sandbox import Faults, SiteConfig
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from streams.jira.client import JiraClient
from streams.jira.errors import JiraUnavailable
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy, SiteAuth
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.attachment_actions import AttachmentRules
from streams.sync.engine import StepResult, handle
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import IssueChanged, PairMessage, Reexamine, SyncConfig
from tests.infra import OPENAPI_SPEC
from tests.jira.rig import SYNC_ACCOUNT, sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
CONFIG = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"}, attachments=AttachmentRules(enabled=True)
)
QUICK = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001)
DATA = b"%PDF-1.7 not really a pdf\n" * 40


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 100):
        yield data[start : start + 100]


@dataclass
class Rig:
    applier: Applier
    sites: dict[int, Emulator]
    alice: JiraClient
    key: str
    alice2: JiraClient  # Alice on site 2
    pair: PairState | None = None
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def step(self, message: PairMessage) -> StepResult:
        self.clock += timedelta(seconds=1)
        result = await handle(message, self.pair, CONFIG, self.applier, self.clock)
        self.pair = result.state
        return result

    async def snapshot(self) -> StepResult:
        issue = await self.applier.clients[1].get_issue(self.key)
        values = canonical(1, issue.fields, FieldMaps())
        return await self.step(IssueChanged(1, "snapshot", issue.id, self.key, values, self.clock))

    async def webhook(self) -> StepResult:
        """The ``issue_updated`` of a file added: its values are the agreed ones."""
        issue = await self.applier.clients[1].get_issue(self.key)
        values = canonical(1, issue.fields, FieldMaps())
        change = IssueChanged(1, "updated", issue.id, self.key, values, self.clock, "w-1")
        return await self.step(dataclasses.replace(change, attachments=True))

    def files(self, site: int) -> dict[str, str]:
        """Name -> sha256 of the files on the site."""
        stored = self.sites[site].site.attachments.files.values()
        return {f.filename: f.sha256 for f in stored}

    def uploads(self, site: int) -> int:
        return sum(
            1
            for c in self.sites[site].calls
            if c.email == SYNC_ACCOUNT and c.path.endswith("/attachments") and c.status == 200
        )


@asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    configs = {n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT) for n in (1, 2)}
    async with two_sites(configs[1], configs[2]) as running:
        one, two = running[1], running[2]
        human, token = "alice@example.com", SecretStr("alice-token")
        async with (
            open_client(sync_auth(one), QUICK) as c1,
            open_client(sync_auth(two), QUICK) as c2,
            open_client(SiteAuth(one.base_url, human, token)) as alice,
            open_client(SiteAuth(two.base_url, human, token)) as alice2,
        ):
            applier = Applier({1: c1, 2: c2}, CONFIG, {n: r.base_url for n, r in running.items()})
            [key] = one.emulator.seed_issues(1)
            yield Rig(applier, {1: one.emulator, 2: two.emulator}, alice, key, alice2)


async def test_the_files_of_an_issue_travel_with_its_new_counterpart() -> None:
    async with rig() as r:
        await r.alice.add_attachment(r.key, "spec.pdf", chunks(DATA), "application/pdf")
        await r.snapshot()
        assert r.pair is not None
        assert r.pair.site2 is not None
        assert r.files(2) == {"spec.pdf": hashlib.sha256(DATA).hexdigest()}
        [stored] = r.sites[2].site.attachments.files.values()
        assert stored.mime_type == "application/pdf"
        assert r.pair.counters["attachments"] == 1
        await r.snapshot()  # looked at again: nothing to do
        assert (r.uploads(1), r.uploads(2)) == (0, 1)


async def test_a_copy_made_by_a_step_that_died_is_found_not_made_twice() -> None:
    async with rig() as r:
        await r.snapshot()
        before = r.pair
        await r.alice.add_attachment(r.key, "spec.pdf", chunks(DATA))
        await r.snapshot()
        assert r.uploads(2) == 1
        r.pair = before  # the worker died before its state was recorded
        result = await r.snapshot()
        assert r.uploads(2) == 1
        assert r.pair is not None
        [(source, copy)] = r.pair.attachment_map.items()
        assert source.startswith("1:")
        assert copy.startswith("2:")
        assert result.retry is None


async def test_a_look_that_failed_is_done_again_by_the_retry() -> None:
    async with rig() as r:
        await r.snapshot()
        await r.alice.add_attachment(r.key, "spec.pdf", chunks(DATA))
        r.sites[2].faults = Faults(error_rate=1.0)
        failed = await r.webhook()  # no read of the issues: the listing of site 2 fails
        assert failed.retry is not None
        assert r.pair is not None
        assert r.pair.failure is not None
        assert r.pair.failure.reason.startswith("SyncAttachments on site 2")
        r.sites[2].faults = Faults()
        again = await r.step(Reexamine("retry"))
        assert again.retry is None
        assert r.files(2) == {"spec.pdf": hashlib.sha256(DATA).hexdigest()}
        assert r.pair.failure is None


async def test_a_download_broken_mid_file_copies_nothing_and_the_retry_copies_it() -> None:
    async with rig() as r:
        await r.snapshot()
        await r.alice.add_attachment(r.key, "spec.pdf", chunks(DATA))
        source = r.applier.clients[1]
        whole = source.attachment_content

        async def broken(attachment_id: str) -> AsyncIterator[bytes]:
            async for chunk in whole(attachment_id):
                yield chunk[:10]
                raise JiraUnavailable("GET", "/media", None, ["connection reset"])

        source.attachment_content = broken  # type: ignore[method-assign,assignment]
        failed = await r.webhook()
        assert failed.retry is not None
        assert r.files(2) == {}  # no half file
        source.attachment_content = whole  # type: ignore[method-assign]
        again = await r.step(Reexamine("retry"))
        assert again.retry is None
        assert r.files(2) == {"spec.pdf": hashlib.sha256(DATA).hexdigest()}
