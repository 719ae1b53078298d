"""Comments through the real applier against two emulated sites over HTTP: copies carry an
attribution header, edits and deletes follow, copies never come back, internal comments
stay, mentions do not become mentions of someone else, a copy made just before a crash
is found again instead of made twice, and a copy, edit or removal that fails for a whole
step is done on the pair's next retry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from sandbox import Faults, SiteConfig
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy, SiteAuth
from streams.records import WebhookEnvelope
from streams.state import PairState
from streams.sync.applier import Applier
from streams.sync.engine import handle
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import CommentChanged, IssueChanged, PairMessage, Reexamine, SyncConfig
from streams.sync.normalize import change_from_envelope
from tests.infra import OPENAPI_SPEC, SHARED
from tests.jira.rig import recorded, sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
SYNC = "712020:5e1f0c4a-7d1b-4c1e-9a63-5a4d0b5c0001"
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, integration_accounts={1: SYNC, 2: SYNC})
HUMANS = {1: ("alice@example.com", "alice-token"), 2: ("bob@example.com", "bob-token")}
QUICK = RetryPolicy(base_delay=0.001, max_delay=0.001)  # every attempt, no long backoff
DOWN = Faults(error_rate=1.0)  # every request answers 5xx, before anything is done


@dataclass
class Rig:
    applier: Applier
    sites: dict[int, Emulator]
    humans: dict[int, JiraClient]
    pair: PairState | None = None
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))
    intents: list[PairState] = field(default_factory=list)
    serial: int = 0
    last_actor: dict[int, str] = field(
        default_factory=lambda: {1: "712020:alice-0001", 2: "712020:bob-0002"}
    )

    async def step(self, message: PairMessage, fails: bool = False) -> None:
        """``fails``: the step is to end asking for a retry."""
        self.clock += timedelta(seconds=1)
        result = await handle(message, self.pair, CONFIG, self.applier, self.clock)
        assert (result.retry is not None) is fails
        self.pair = result.state

    async def event(
        self, site: int, kind: str, key: str, comment_id: str, fails: bool = False
    ) -> None:
        """The comment webhook JIRA sends, as the worker's router hands it to the pair."""
        stored = self.sites[site].comments.get(comment_id)
        issue_id = "10001" if site == 1 else self.sites[2].issues[key].id
        author = stored.author_id if stored else None
        actor = stored.update_author_id if stored else self.last_actor[site]
        self.serial += 1
        change = CommentChanged(
            site,
            kind,  # type: ignore[arg-type]
            issue_id,
            key,
            comment_id,
            author,
            actor,
            bool(stored and stored.visibility),
            f"w-{self.serial}",
        )
        await self.step(change, fails)

    def writes(self) -> dict[int, int]:
        return {
            site: sum(1 for c in emulator.calls if c.write and c.email == "sandbox@example.com")
            for site, emulator in self.sites.items()
        }

    def texts(self, site: int) -> list[str]:
        return [json.dumps(c.body) for c in self.sites[site].comments.values()]


@asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    configs = {n: SiteConfig(project_key=f"PROJ{n}", contract=CONTRACT) for n in (1, 2)}
    async with two_sites(configs[1], configs[2]) as running:
        one, two = running[1], running[2]
        human = {
            n: SiteAuth(r.base_url, HUMANS[n][0], SecretStr(HUMANS[n][1]))
            for n, r in running.items()
        }
        async with (
            open_client(sync_auth(one), QUICK) as c1,
            open_client(sync_auth(two), QUICK) as c2,
            open_client(human[1]) as h1,
            open_client(human[2]) as h2,
        ):
            applier = Applier({1: c1, 2: c2}, CONFIG, {n: r.base_url for n, r in running.items()})
            applier.comment_retry = QUICK
            r = Rig(applier, {1: one.emulator, 2: two.emulator}, {1: h1, 2: h2})
            r.intents = recorded(applier)
            [key] = one.emulator.seed_issues(1)
            issue = await c1.get_issue(key)
            values = canonical(1, issue.fields, FieldMaps())
            await r.step(IssueChanged(1, "snapshot", issue.id, key, values, r.clock))
            yield r
        assert two.emulator.contract_violations == []


def adf(text: str, mention: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if mention:
        content.append({"type": "mention", "attrs": {"id": mention, "text": "@Alice Visible"}})
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": content}]}


async def test_comments_follow_both_ways_with_exact_writes_and_no_echo() -> None:
    async with rig() as r:
        before = r.writes()
        made = await r.humans[1].add_comment(
            "PROJ1-1", adf("Printer on fire, ", "712020:alice-0001")
        )
        await r.event(1, "created", "PROJ1-1", made.id)
        assert r.writes() == {1: before[1], 2: before[2] + 1}
        [copy] = r.sites[2].comments.values()
        text = json.dumps(copy.body)
        assert "Alice Visible wrote on PROJ1-1 (site 1)" in text
        assert "Printer on fire, @Alice Visible" in text
        assert "mention" not in text  # plain text: no one on site 2 is notified
        await r.event(2, "created", "PROJ2-1", copy.id)  # the copy's own webhook
        assert r.writes() == {1: before[1], 2: before[2] + 1}

        await r.humans[1].update_comment("PROJ1-1", made.id, adf("Fire is out"))
        await r.event(1, "updated", "PROJ1-1", made.id)
        await r.event(2, "updated", "PROJ2-1", copy.id)  # echo of our edit
        assert r.writes() == {1: before[1], 2: before[2] + 2}
        assert "Fire is out" in r.texts(2)[0]

        reply = await r.humans[2].add_comment("PROJ2-1", adf("Thanks from the vendor"))
        await r.event(2, "created", "PROJ2-1", reply.id)
        assert any("Bob Private wrote on PROJ2-1 (site 2)" in t for t in r.texts(1))
        await r.humans[2].delete_comment("PROJ2-1", reply.id)
        await r.event(2, "deleted", "PROJ2-1", reply.id)
        assert r.writes() == {1: before[1] + 2, 2: before[2] + 2}
        assert len(r.sites[1].comments) == 1  # the original only
        assert r.pair is not None
        assert r.pair.comment_map == {f"1:{made.id}": f"2:{copy.id}"}


async def test_an_internal_comment_stays_where_it_was_written() -> None:
    async with rig() as r:
        before = r.writes()
        internal = await r.humans[1].add_comment(
            "PROJ1-1", adf("Our margin is 40%"), {"type": "role", "value": "Developers"}
        )
        await r.event(1, "created", "PROJ1-1", internal.id)
        assert r.sites[2].comments == {}
        public = await r.humans[1].add_comment("PROJ1-1", adf("Public note"))
        await r.event(1, "created", "PROJ1-1", public.id)
        assert len(r.sites[2].comments) == 1
        await r.humans[1].transport.request(
            "PUT",
            f"/rest/api/3/issue/PROJ1-1/comment/{public.id}",
            json={
                "body": adf("Now internal"),
                "visibility": {"type": "role", "value": "Developers"},
            },
        )
        await r.event(1, "updated", "PROJ1-1", public.id)
        assert r.sites[2].comments == {}  # the copy went when the original became internal
        assert r.writes() == {1: before[1], 2: before[2] + 2}


async def test_a_copy_made_just_before_a_crash_is_found_not_made_again() -> None:
    async with rig() as r:
        made = await r.humans[1].add_comment("PROJ1-1", adf("Once only"))
        await r.event(1, "created", "PROJ1-1", made.id)
        assert len(r.sites[2].comments) == 1
        intent = r.intents[-1]  # recorded before the call; the worker "died" after it
        assert intent.pending_comments
        r.pair = intent  # what the restarted worker reads back from the log
        again = CommentChanged(1, "created", "10001", "PROJ1-1", made.id, "x", "x", False, "redo")
        await r.step(again)
        assert len(r.sites[2].comments) == 1
        assert r.pair is not None
        assert not r.pair.pending_comments
        [copy_ref] = r.pair.comment_map.values()
        assert copy_ref == f"2:{next(iter(r.sites[2].comments))}"


async def test_a_copy_found_after_a_crash_takes_an_edit_made_meanwhile() -> None:
    async with rig() as r:
        made = await r.humans[1].add_comment("PROJ1-1", adf("First words"))
        await r.event(1, "created", "PROJ1-1", made.id)
        r.pair = r.intents[-1]  # the worker died after the copy, before recording it
        before = r.writes()
        await r.humans[1].update_comment("PROJ1-1", made.id, adf("Second thoughts"))
        await r.event(1, "updated", "PROJ1-1", made.id)  # handled before the redelivery
        assert len(r.sites[2].comments) == 1
        assert "Second thoughts" in r.texts(2)[0]
        assert r.writes() == {1: before[1], 2: before[2] + 1}  # the found copy, updated
        assert r.pair is not None
        assert r.pair.comment_map == {f"1:{made.id}": f"2:{next(iter(r.sites[2].comments))}"}


async def test_comment_changes_failing_for_a_whole_step_are_done_on_the_next_retry() -> None:
    async with rig() as r:
        before = r.writes()
        made = await r.humans[1].add_comment("PROJ1-1", adf("Printer on fire"))
        r.sites[2].faults = DOWN
        await r.event(1, "created", "PROJ1-1", made.id, fails=True)
        assert r.sites[2].comments == {}
        assert r.pair is not None
        assert list(r.pair.pending_comments) == [f"1:{made.id}"]
        r.sites[2].faults = Faults()
        await r.step(Reexamine("retry"))
        [copy] = r.sites[2].comments.values()  # made exactly once
        assert "Printer on fire" in r.texts(2)[0]
        assert r.pair.comment_map == {f"1:{made.id}": f"2:{copy.id}"}
        assert r.writes() == {1: before[1], 2: before[2] + 1}

        await r.humans[1].update_comment("PROJ1-1", made.id, adf("Fire is out"))
        r.sites[2].faults = DOWN
        await r.event(1, "updated", "PROJ1-1", made.id, fails=True)
        assert "Fire is out" not in r.texts(2)[0]
        r.sites[2].faults = Faults()
        await r.step(Reexamine("retry"))
        assert list(r.sites[2].comments) == [copy.id]
        assert "Fire is out" in r.texts(2)[0]
        assert "Printer on fire" not in r.texts(2)[0]
        assert r.writes() == {1: before[1], 2: before[2] + 2}

        await r.humans[1].delete_comment("PROJ1-1", made.id)
        r.sites[2].faults = DOWN
        await r.event(1, "deleted", "PROJ1-1", made.id, fails=True)
        assert list(r.sites[2].comments) == [copy.id]
        r.sites[2].faults = Faults()
        await r.step(Reexamine("retry"))
        assert r.sites[2].comments == {}
        assert r.writes() == {1: before[1], 2: before[2] + 3}
        assert r.pair.comment_map == {}
        assert r.pair.pending_comments == {}
        assert r.pair.failure is None


def test_a_captured_cloud_comment_webhook_becomes_a_comment_change() -> None:
    body = json.loads(
        (SHARED / "reference/webhooks/webhook-cloud-comment-created.json").read_text()
    )
    envelope = WebhookEnvelope(
        site=2,
        webhook_id="w-1",
        received_at=datetime.now(UTC),
        event_type=body["webhookEvent"],
        issue_id=body["issue"]["id"],
        payload=body,
    )
    change = change_from_envelope(envelope, FieldMaps())
    assert change == CommentChanged(
        2, "created", "10040", "TES-41", "10019", "5c5f880629be9642ba529340", None, False, "w-1"
    )
