"""Service-desk internal notes through the real applier against two emulated sites over
HTTP: an internal note (``jsdPublic: false``) is never copied, neither when its webhook
comes nor with the comments written before the pair existed; a copied comment made
internal later has its copy removed; a copy written into a service-desk project is an
internal note itself, one written into a software project is public as before.

The comment events are the emulator's own webhook bodies, read by the engine's parser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from sandbox import SiteConfig
from sandbox.emulator import Emulator
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.jira.transport import SiteAuth
from streams.records import WebhookEnvelope
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.catalog import SiteCatalogs
from streams.sync.engine import handle
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import CommentChanged, IssueChanged, PairMessage
from streams.sync.normalize import change_from_envelope
from tests.jira.rig import sync_auth, two_sites
from tests.jira.test_comment_sync import CONFIG, CONTRACT, HUMANS, QUICK, adf

INTERNAL = {"sd.public.comment": {"internal": True}}


@dataclass
class Rig:
    applier: Applier
    sites: dict[int, Emulator]
    humans: dict[int, JiraClient]
    pair: PairState | None = None
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))
    serial: int = 0

    async def step(self, message: PairMessage) -> None:
        self.clock += timedelta(seconds=1)
        result = await handle(message, self.pair, CONFIG, self.applier, self.clock)
        assert result.retry is None, result.note
        self.pair = result.state

    async def event(self, site: int, event: str, key: str, comment_id: str) -> None:
        """The comment webhook the emulator sends, parsed as the worker parses it."""
        emulator = self.sites[site]
        issue, comment = emulator.issues[key], emulator.comments[comment_id]
        payload = emulator.site.payloads.comment_event(event, issue, comment, 0)
        self.serial += 1
        envelope = WebhookEnvelope(
            site=site,
            webhook_id=f"w-{self.serial}",
            received_at=self.clock,
            event_type=event,
            issue_id=issue.id,
            payload=payload,
        )
        change = change_from_envelope(envelope, FieldMaps())
        assert isinstance(change, CommentChanged)
        await self.step(change)

    def comments(self, site: int) -> list[tuple[str, bool]]:
        """(text, public) of every comment on ``site``."""
        return [(str(c.body), c.jsd_public) for c in self.sites[site].comments.values()]


@asynccontextmanager
async def rig(kinds: dict[int, str], before: list[tuple[str, bool]]) -> AsyncIterator[Rig]:
    """Sites of project types ``kinds``; ``before``: (text, internal) comments on the
    origin, written before the pair is made."""
    configs = {
        n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT, project_type=kinds[n])  # type: ignore[arg-type]
        for n in (1, 2)
    }
    async with (
        two_sites(configs[1], configs[2]) as running,
        open_client(sync_auth(running[1]), QUICK) as c1,
        open_client(sync_auth(running[2]), QUICK) as c2,
        open_client(_human(running[1].base_url, 1)) as h1,
        open_client(_human(running[2].base_url, 2)) as h2,
    ):
        clients = {1: c1, 2: c2}
        catalogs = SiteCatalogs(clients, CONFIG.project_keys, CONFIG.maps)
        urls = {n: r.base_url for n, r in running.items()}
        applier = Applier(clients, CONFIG, urls, catalogs=catalogs)
        r = Rig(applier, {1: running[1].emulator, 2: running[2].emulator}, {1: h1, 2: h2})
        [key] = r.sites[1].seed_issues(1)
        for text, internal in before:
            await comment(h1, key, text, internal=internal)
        issue = await c1.get_issue(key)
        values = canonical(1, issue.fields, FieldMaps())
        await r.step(IssueChanged(1, "snapshot", issue.id, key, values, r.clock))
        yield r


@pytest.mark.parametrize(("desk", "public"), [("service_desk", False), ("software", True)])
async def test_an_internal_note_is_never_copied_and_a_copy_into_a_desk_is_internal(
    desk: str, public: bool
) -> None:
    before = [("Agents only: refund approved", True), ("Printer on fire", False)]
    async with rig({1: "service_desk", 2: desk}, before) as r:
        [(text, copy_public)] = r.comments(2)  # the comments before the pair: one copied
        assert "Printer on fire" in text
        assert copy_public is public
        note = await comment(r.humans[1], "PROJ1-1", "Margin 40%", internal=True)
        await r.event(1, "comment_created", "PROJ1-1", note)
        assert len(r.comments(2)) == 1
        assert not any("Margin" in t or "refund" in t for t, _ in r.comments(2))
        assert r.pair is not None
        assert f"1:{note}" not in r.pair.comment_map


async def test_a_copied_comment_made_internal_loses_its_copy() -> None:
    async with rig({1: "service_desk", 2: "service_desk"}, []) as r:
        made = await r.humans[1].add_comment("PROJ1-1", adf("Shared for now"))
        await r.event(1, "comment_created", "PROJ1-1", made.id)
        [(_, public)] = r.comments(2)
        assert public is False  # written into a service desk: an internal note there
        internal = [{"key": "sd.public.comment", "value": {"internal": True}}]
        body = {"body": adf("Shared for now"), "properties": internal}
        await r.humans[1].request("PUT", f"/rest/api/3/issue/PROJ1-1/comment/{made.id}", json=body)
        await r.event(1, "comment_updated", "PROJ1-1", made.id)
        assert r.comments(2) == []
        assert r.pair is not None
        assert r.pair.comment_map == {}


async def test_a_reply_from_the_other_desk_is_internal_here_too() -> None:
    async with rig({1: "service_desk", 2: "service_desk"}, []) as r:
        key2 = next(iter(r.sites[2].issues))
        made = await r.humans[2].add_comment(key2, adf("Vendor on the way"))
        await r.event(2, "comment_created", key2, made.id)
        [(text, public)] = r.comments(1)
        assert "Vendor on the way" in text
        assert public is False
        assert all(c.properties == INTERNAL for c in r.sites[1].comments.values())


async def comment(human: JiraClient, key: str, text: str, *, internal: bool = False) -> str:
    """A person's comment through REST (an internal note: with the property)."""
    body: dict[str, Any] = {"body": adf(text)}
    if internal:
        body["properties"] = [{"key": "sd.public.comment", "value": {"internal": True}}]
    made = await human.request("POST", f"/rest/api/3/issue/{key}/comment", json=body)
    return str(made["id"])


def _human(base_url: str, site: int) -> SiteAuth:
    email, token = HUMANS[site]
    return SiteAuth(base_url, email, SecretStr(token))
