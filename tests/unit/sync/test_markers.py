"""Which link markers a pair trusts (issue 16, item 5), with no loop, broker or HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from streams.state import IssueRef, PairState, PairStatus, PendingCreate
from streams.sync import markers
from streams.sync.markers import Seen, refusal, signed, vouches
from streams.sync.messages import CommentChanged, IssueChanged, SyncConfig
from streams.sync.model import decide
from streams.sync.normalize import message_from_json, message_to_json

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRET = SecretStr("a deployment secret of some length")
PAIR = "1:10001"
NONCE = "ab" * 16
LINK = {"pair_id": PAIR, "site": 1, "id": "10001", "key": "PROJ1-1"}
ORIGIN = IssueRef(site=1, id="10001", key="PROJ1-1")
COUNTERPART = IssueRef(site=2, id="20001", key="PROJ2-1")


def pair(site2: IssueRef | None = COUNTERPART, nonce: str | None = NONCE) -> PairState:
    pending = None
    if site2 is None:
        pending = PendingCreate(
            site=2,
            project_key="PROJ2",
            link=signed(LINK, nonce, SECRET) if nonce else LINK,
            origin_key="PROJ1-1",
            requested_at=T0,
            nonce=nonce,
        )
    return PairState(
        pair_id=PAIR,
        version=3,
        origin=1,
        site1=ORIGIN,
        site2=site2,
        status=PairStatus.SYNCED if site2 else PairStatus.PENDING,
        pending_create=pending,
        updated_at=T0,
    )


def on_site2(issue_id: str = "20002", key: str = "PROJ2-2") -> IssueChanged:
    return IssueChanged(2, "created", issue_id, key, {"summary": "Mine now"}, T0)


def test_a_marker_vouches_only_with_its_intents_nonce_and_the_deployment_secret() -> None:
    marker = signed(LINK, NONCE, SECRET)
    assert vouches(marker, PAIR, NONCE, SECRET)
    assert not vouches(marker, PAIR, "cd" * 16, SECRET)  # another create's
    assert not vouches(marker, "1:10002", NONCE, SECRET)  # another pair's
    assert not vouches(signed(LINK, NONCE, SecretStr("x" * 20)), PAIR, NONCE, SECRET)
    assert not vouches({**marker, "mac": "0" * 64}, PAIR, NONCE, SECRET)
    assert not vouches(LINK, PAIR, NONCE, SECRET)  # no mac: what older versions wrote
    assert not vouches("not a marker", PAIR, NONCE, SECRET)
    assert vouches(LINK, PAIR, None, SECRET)  # an intent of an older version: by pair id


def test_the_issue_already_the_pairs_side_is_trusted_without_a_mac() -> None:
    legacy = IssueChanged(2, "updated", "20001", "PROJ2-1", {}, T0)
    assert refusal(legacy, PAIR, pair(), Seen(), "bot-2", SECRET) is None
    own = IssueChanged(1, "updated", "10001", "PROJ1-1", {}, T0)
    assert refusal(own, PAIR, None, Seen(), "bot-1", SECRET) is None  # its own pair


def test_a_copied_marker_on_another_issue_is_refused() -> None:
    copied = Seen(signed(LINK, NONCE, SECRET), "alice")
    reason = refusal(on_site2(), PAIR, pair(), copied, "bot-2", SECRET)
    assert reason is not None
    assert "PROJ2-2" in reason
    assert "copy" in reason
    assert "PROJ1-1#PROJ2-1" in reason


def test_a_marker_for_a_pair_the_deployment_does_not_know_is_refused() -> None:
    reason = refusal(on_site2(), "1:99999", None, Seen(LINK), "bot-2", SECRET)
    assert reason is not None
    assert "does not know" in reason


def test_an_unconfirmed_create_is_adopted_only_with_its_signed_marker() -> None:
    waiting = pair(site2=None)
    real = Seen(signed(LINK, NONCE, SECRET), "bot-2")
    assert refusal(on_site2(), PAIR, waiting, real, "bot-2", SECRET) is None
    assert (
        refusal(on_site2(), PAIR, waiting, Seen(signed(LINK, NONCE, SECRET)), None, SECRET) is None
    )
    forged = refusal(on_site2(), PAIR, waiting, Seen(LINK, "alice"), "bot-2", SECRET)
    assert forged is not None
    assert "without its signature" in forged
    guessed = Seen(signed(LINK, "cd" * 16, SECRET), "alice")
    assert refusal(on_site2(), PAIR, waiting, guessed, "bot-2", SECRET) is not None
    # the real marker copied onto a human's issue: the creator gives it away
    copied = Seen(signed(LINK, NONCE, SECRET), "alice")
    assert "created by someone else" in str(
        refusal(on_site2(), PAIR, waiting, copied, "bot-2", SECRET)
    )


def test_a_comment_never_adopts_an_issue() -> None:
    comment = CommentChanged(2, "created", "20002", "PROJ2-2", "30001", "alice")
    real = Seen(signed(LINK, NONCE, SECRET), "bot-2")
    assert refusal(comment, PAIR, pair(site2=None), real, "bot-2", SECRET) is not None
    assert refusal(comment, PAIR, pair(), Seen(), "bot-2", SECRET) is not None


def test_a_refused_issue_goes_to_a_pair_of_its_own_which_warns() -> None:
    sent: list[tuple[str, Any]] = []
    reads: list[str] = []

    async def read() -> Seen:
        reads.append("read")
        return Seen(LINK, "alice")

    async def send(key: str, message: Any) -> None:
        sent.append((key, message))

    async def check(message: IssueChanged, state: PairState | None) -> bool:
        return await markers.checked(message, PAIR, state, read, "bot-2", SECRET, send)

    assert asyncio.run(check(IssueChanged(2, "updated", "20001", "PROJ2-1", {}, T0), pair()))
    assert reads == []  # the pair's own side: nothing read
    assert not asyncio.run(check(on_site2(), pair()))
    assert reads == []  # the side is taken: no marker can make it this one
    assert not asyncio.run(check(on_site2(), pair(site2=None)))
    assert reads == ["read"]
    [(first, copied), (second, forged)] = sent
    assert isinstance(copied, IssueChanged)
    assert copied.refused is not None
    assert "copy" in copied.refused
    assert first == second == "2:20002"
    assert isinstance(forged, IssueChanged)
    assert forged.refused is not None
    assert message_from_json(message_to_json(forged)) == forged  # survives the topic

    config = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
    decision = decide(forged, None, config, T0)
    assert decision.state is not None
    assert decision.state.pair_id == "2:20002"
    [warning] = decision.state.warnings
    assert warning.code == "marker-refused"
    assert warning.message == forged.refused


def test_a_message_without_a_refusal_keeps_its_json() -> None:
    change = on_site2()
    assert "refused" not in message_to_json(change)  # journals of older versions replay


class _Client:
    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    async def get_issue(self, key: str, fields: list[str] | None = None) -> Any:
        from streams.jira.models import Issue

        return Issue(id=self.ids[key], key=key)


class _Applier:
    """What ``_pair_of`` consults: the markers, and the issues' ids."""

    def __init__(self, found: dict[tuple[int, str], dict[str, Any]]) -> None:
        self.found = found
        self.clients = {
            1: _Client({"PROJ1-1": "10001", "PROJ1-9": "10009"}),
            2: _Client({"PROJ2-1": "20001", "PROJ2-2": "20002"}),
        }

    async def link_of(self, site: int, key: str) -> dict[str, Any] | None:
        return self.found.get((site, key))


def test_an_operators_pair_is_the_one_the_counterparts_marker_names_with_the_other_issue() -> None:
    from streams.sync.agents.commands import pair_of as _pair_of

    victim = {"pair_id": PAIR, "site": 1, "id": "10001", "key": "PROJ1-1"}
    own = {"pair_id": "2:20002", "site": 2, "id": "20002", "key": "PROJ2-2"}
    # PROJ2-2 carries a copy of the victim's marker; its own pair's counterpart is PROJ1-9
    applier = _Applier({(2, "PROJ2-1"): victim, (2, "PROJ2-2"): victim, (1, "PROJ1-9"): own})
    assert asyncio.run(_pair_of(applier, "PROJ1-1#PROJ2-1")) == PAIR  # type: ignore[arg-type]
    assert asyncio.run(_pair_of(applier, "PROJ1-9#PROJ2-2")) == "2:20002"  # type: ignore[arg-type]
