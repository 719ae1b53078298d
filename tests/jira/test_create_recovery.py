"""A create that JIRA performed but the worker never recorded is found, never repeated.

The applier against an emulated site over HTTP, no Kafka: the crash is the applier's result
being thrown away after the create, exactly what a kill -9 between JIRA's answer and the
state record leaves behind (the intent was recorded before the call).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox import SiteConfig
from sandbox.config import Faults
from sandbox.contract import OpenApiContract
from sandbox.emulator import Emulator
from sandbox.model import Comment
from sandbox.users import ALICE
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy
from streams.state import PairState, PairStatus, PendingCreate
from streams.sync import markers
from streams.sync.applier import Applier
from streams.sync.engine import handle
from streams.sync.messages import (
    LINK_PROPERTY,
    CreateCounterpart,
    IssueChanged,
    RecoverCreate,
    Reexamine,
    SyncConfig,
)
from streams.sync.model import decide
from tests.infra import OPENAPI_SPEC
from tests.jira.rig import recorded, sync_auth, two_sites

CONTRACT = OpenApiContract(OPENAPI_SPEC)
SYNC_ACCOUNT_ID = SiteConfig(project_key="PROJ2").integration_account_id
NO_FAULTS = Faults(search_lag=0.0)  # search lag has its own test below
T0 = datetime.now(UTC)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, create_grace=timedelta(seconds=30))


@dataclass
class Rig:
    applier: Applier
    target: Emulator
    intents: list[PairState]


@asynccontextmanager
async def rig(faults: Faults = NO_FAULTS, request_timeout: float = 30.0) -> AsyncIterator[Rig]:
    sites = {
        1: SiteConfig(project_key="PROJ1", contract=CONTRACT),
        2: SiteConfig(project_key="PROJ2", contract=CONTRACT, faults=faults),
    }
    async with two_sites(sites[1], sites[2]) as running:
        one, two = running[1], running[2]
        no_retries = RetryPolicy(attempts=1)
        async with (
            open_client(sync_auth(one)) as c1,
            open_client(sync_auth(two), no_retries, request_timeout=request_timeout) as c2,
        ):
            applier = Applier({1: c1, 2: c2}, CONFIG, {1: one.base_url, 2: two.base_url})
            intents = recorded(applier)
            one.emulator.seed_issues(1)  # the origin, PROJ1-1
            yield Rig(applier, two.emulator, intents)


def first_event() -> IssueChanged:
    return IssueChanged(1, "created", "10001", "PROJ1-1", {"summary": "Printer on fire"}, T0)


def first_create() -> tuple[PairState, CreateCounterpart]:
    decision = decide(first_event(), None, CONFIG, T0)
    assert decision.state is not None
    create = decision.actions[0]
    assert isinstance(create, CreateCounterpart)
    return decision.state, create


async def test_a_create_done_but_not_recorded_is_found_by_its_marker() -> None:
    async with rig() as r:
        pair, create = first_create()
        await r.applier.apply(pair, create, T0)  # JIRA created it ... and the worker died
        [intent] = r.intents
        assert intent.pending_create is not None
        assert len(r.target.issues) == 1

        result = await handle(first_event(), intent, CONFIG, r.applier, T0 + timedelta(seconds=1))
        assert result.retry is None
        assert len(r.target.issues) == 1  # found, not made again
        state = result.state
        assert state is not None
        assert state.site2 is not None
        assert state.site2.key == "PROJ2-1"
        assert state.pending_create is None
        assert state.status is PairStatus.SYNCED
        assert state.base["summary"] == "Printer on fire"
        [link] = r.target.issues["PROJ2-1"].remote_links  # one, though linked twice
        assert "PROJ1-1" in str(link)


async def test_a_comment_made_on_a_lost_create_before_it_is_found_is_copied_once() -> None:
    """Someone comments on the new issue before the sync knows it made it (the comment's
    own event reached a pair without that side): the recovery that finds the issue copies
    the comment to the origin, once; the sync's own comments there are never copied back."""
    config = dataclasses.replace(CONFIG, integration_accounts={2: SYNC_ACCOUNT_ID})
    async with rig() as r:
        pair, create = first_create()
        await r.applier.apply(pair, create, T0)  # JIRA created it ... and the worker died
        [intent] = r.intents
        r.applier.config = config  # the worker knows its account (asked at start)
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": "Seen it"}]}
        body = {"type": "doc", "version": 1, "content": [paragraph]}
        issue, site = r.target.issues["PROJ2-1"], r.target.site
        for author in (ALICE, SYNC_ACCOUNT_ID):  # the sync's own: a copy or an attribution
            now = site.stamper.now_ms()
            made = Comment(site.next_id("comment"), issue.id, author, body, now, now, author)
            issue.comments.append(made)
        later = T0 + timedelta(seconds=1)
        result = await handle(Reexamine("retry"), intent, config, r.applier, later)
        assert result.retry is None
        state = result.state
        assert state is not None
        assert state.site2 is not None
        origin = r.applier.clients[1]
        copies = [c async for c in origin.comments("PROJ1-1")]
        assert len(copies) == 1
        assert "Seen it" in str(copies[0].body)
        assert len(state.comment_map) == 1
        again = await handle(Reexamine("retry"), state, config, r.applier, later)
        assert [c async for c in origin.comments("PROJ1-1")] == copies
        assert again.state is not None


async def test_a_create_that_never_reached_jira_waits_out_the_grace_then_creates() -> None:
    async with rig() as r:
        pair, create = first_create()
        intent = pair.model_copy(
            update={"pending_create": _pending(create, requested_at=T0)}
        )  # recorded, then the worker died before the call
        early = await handle(
            Reexamine("retry"), intent, CONFIG, r.applier, T0 + timedelta(seconds=5)
        )
        assert early.retry is not None
        assert early.retry.after is not None
        assert 24 <= early.retry.after <= 25
        assert r.target.issues == {}
        late = await handle(
            Reexamine("retry"), intent, CONFIG, r.applier, T0 + timedelta(seconds=31)
        )
        assert late.retry is None
        assert len(r.target.issues) == 1
        assert late.state is not None
        assert late.state.site2 is not None


async def test_search_lag_never_leads_to_a_second_issue_within_the_grace() -> None:
    async with rig(Faults(search_lag=3.0)) as r:
        pair, create = first_create()
        await r.applier.apply(pair, create, T0)
        [intent] = r.intents
        blind = await handle(first_event(), intent, CONFIG, r.applier, T0 + timedelta(seconds=1))
        assert blind.retry is not None  # not visible in search yet: wait, do not create
        assert len(r.target.issues) == 1


async def test_a_timed_out_create_keeps_its_intent_and_is_recovered() -> None:
    """JIRA did the create but the answer never came: the client must not blindly retry."""
    faults = Faults(timeout_rate=1.0, timeout_hold=3.0)
    async with rig(faults, request_timeout=0.5) as r:
        pair, create = first_create()
        applied = await r.applier.apply(pair, create, T0)
        assert applied.retry is not None
        assert applied.state.pending_create is not None
        assert applied.state.status is PairStatus.PENDING
        assert len(r.target.issues) == 1
        r.target.faults = NO_FAULTS
        action = decide(Reexamine("retry"), applied.state, CONFIG, T0).actions[0]
        assert isinstance(action, RecoverCreate)
        recovered = await r.applier.apply(applied.state, action, T0 + timedelta(seconds=2))
        assert recovered.retry is None
        assert recovered.state.site2 is not None
        assert len(r.target.issues) == 1


def _pending(create: CreateCounterpart, requested_at: datetime) -> PendingCreate:
    return PendingCreate(
        site=create.site,
        project_key=create.project_key,
        values=create.values,
        link=create.link,
        origin_key=create.origin_key,
        requested_at=requested_at,
    )


def _signed_pending(create: CreateCounterpart, nonce: str) -> PendingCreate:
    link = markers.signed(create.link, nonce, CONFIG.marker_secret)
    return _pending(create, T0).model_copy(update={"link": link, "nonce": nonce})


def _forge(target: Emulator, marker: dict[str, object], summary: str) -> str:
    """A human's issue on the target carrying ``marker`` (set in the create call)."""
    alice = target.users.get(ALICE)
    assert alice is not None
    body = {
        "fields": {"project": {"key": "PROJ2"}, "issuetype": {"name": "Task"}, "summary": summary},
        "properties": [{"key": LINK_PROPERTY, "value": marker}],
    }
    return target.site.create(alice, body).key


async def test_the_marker_of_a_create_is_signed_with_its_intents_nonce() -> None:
    async with rig() as r:
        pair, create = first_create()
        applied = await r.applier.apply(pair, create, T0)
        [intent] = r.intents
        assert intent.pending_create is not None
        nonce = intent.pending_create.nonce
        assert nonce is not None
        assert len(nonce) == markers.NONCE_HEX
        marker = r.target.issues["PROJ2-1"].properties[LINK_PROPERTY]
        assert marker == intent.pending_create.link
        assert markers.vouches(marker, "1:10001", nonce, CONFIG.marker_secret)
        assert applied.state.site2 is not None


async def test_a_forged_marker_with_the_pair_id_is_never_taken_for_a_lost_create() -> None:
    """Issue 16 item 5: the intent is recorded, the worker dies before its create, and
    someone makes an issue carrying the pair's id in a marker of their own: the recovery
    waits out the grace and makes the counterpart; the forged issue is never adopted."""
    async with rig() as r:
        pair, create = first_create()
        intent = pair.model_copy(update={"pending_create": _signed_pending(create, "ab" * 16)})
        forged = _forge(r.target, create.link, "Takeover")  # the pair id, no nonce, no mac
        early = await handle(
            Reexamine("retry"), intent, CONFIG, r.applier, T0 + timedelta(seconds=5)
        )
        assert early.retry is not None  # not found: the forged issue is not it
        assert early.state is not None
        assert early.state.site2 is None
        late = await handle(
            Reexamine("retry"), intent, CONFIG, r.applier, T0 + timedelta(seconds=31)
        )
        assert late.state is not None
        assert late.state.site2 is not None
        assert late.state.site2.key != forged
        made = r.target.issues[late.state.site2.key]
        assert made.properties[LINK_PROPERTY]["nonce"] == "ab" * 16  # the intent's own
        assert made.fields["summary"] == "Seeded issue 1"  # the origin's, not the forger's
        assert r.target.issues[forged].fields["summary"] == "Takeover"


async def test_the_real_marker_copied_onto_a_humans_issue_is_not_taken_for_the_create() -> None:
    """The lost create did happen and someone copied its (signed) marker onto an issue of
    their own, made later: the recovery takes the sync account's issue."""
    async with rig() as r:
        sync_user = [u for u in r.target.users.all() if u.email == "sandbox@example.com"]
        accounts = {2: sync_user[0].account_id}
        config = dataclasses.replace(CONFIG, integration_accounts=accounts)
        r.applier.config = config
        pair, create = first_create()
        await r.applier.apply(pair, create, T0)  # JIRA created it ... and the worker died
        [intent] = r.intents
        real = r.target.issues["PROJ2-1"]
        _forge(r.target, dict(real.properties[LINK_PROPERTY]), "Takeover")
        result = await handle(first_event(), intent, config, r.applier, T0 + timedelta(seconds=1))
        assert result.state is not None
        assert result.state.site2 is not None
        assert result.state.site2.key == "PROJ2-1"
        assert len(r.target.issues) == 2  # nothing made again
