"""Issue links (pure): a side's outward links, what to make and remove so both sides carry
the same, what stays out; the folds of the link facts; when a step looks at links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.state import IssueRef, PairState, PairStatus
from streams.sync.decision import Decision
from streams.sync.events import fold
from streams.sync.fields import NameMap
from streams.sync.issue_links import (
    LinksRead,
    MakeLink,
    Outward,
    RemoveLink,
    SyncLinks,
    outward,
    plan,
    seen_of,
)
from streams.sync.link_facts import LinkMade, LinkRemoved, LinksSeen
from streams.sync.link_wiring import with_links
from streams.sync.messages import IssueChanged
from streams.sync.settled import ChangeSeen

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TYPES = NameMap({"Blocks": "Blocker"})
KEYS = {1: "A-1", 2: "B-1"}
ON_1 = Outward("500", "Blocks", "10002", "A-2")  # A-1 blocks A-2 on site 1
ON_2 = Outward("600", "Blocker", "20002", "B-2")  # its image: B-1 blocker B-2 on site 2
COUNTERPARTS: dict[str, tuple[str, str] | None] = {
    "1|10002": ("20002", "B-2"),
    "2|20002": ("10002", "A-2"),
}


def read(one: list[Outward], two: list[Outward], **more: Any) -> LinksRead:
    return LinksRead({1: one, 2: two}, {**COUNTERPARTS, **more})


def test_only_the_links_an_issue_is_the_subject_of_are_its_own() -> None:
    raw = [
        {"id": "500", "type": {"name": "Blocks"}, "outwardIssue": {"id": "10002", "key": "A-2"}},
        {"id": "501", "type": {"name": "Blocks"}, "inwardIssue": {"id": "10003", "key": "A-3"}},
        {"id": "502", "type": "broken"},
    ]
    assert outward(raw) == [ON_1]
    assert seen_of(raw) == ["Blocks|10002"]
    assert seen_of(None) == []


def test_a_new_link_is_made_on_the_other_side_with_the_mapped_type() -> None:
    wanted, unsynced = plan(read([ON_1], []), KEYS, frozenset(), TYPES)
    assert wanted == [MakeLink(2, "Blocker", "B-1", "B-2", "2|Blocker|20002")]
    assert unsynced == []
    back, _ = plan(read([], [ON_2]), KEYS, frozenset(), TYPES)
    assert back == [MakeLink(1, "Blocks", "A-1", "A-2", "1|Blocks|10002")]


def test_both_sides_holding_the_link_need_nothing_the_echo_included() -> None:
    assert plan(read([ON_1], [ON_2]), KEYS, frozenset({"2|Blocker|20002"}), TYPES) == ([], [])


def test_a_removed_original_removes_its_copy_and_a_removed_copy_its_original() -> None:
    copy_gone, _ = plan(read([ON_1], []), KEYS, frozenset({"2|Blocker|20002"}), TYPES)
    assert copy_gone == [RemoveLink(1, "500", "Blocks|10002", "2|Blocker|20002", "A-1 Blocks A-2")]
    original_gone, _ = plan(read([], [ON_2]), KEYS, frozenset({"2|Blocker|20002"}), TYPES)
    assert original_gone == [
        RemoveLink(2, "600", "Blocker|20002", "2|Blocker|20002", "B-1 Blocker B-2")
    ]


def test_a_link_to_an_issue_not_synced_stays_out_and_is_listed() -> None:
    lonely = Outward("700", "Relates", "10009", "A-9")
    wanted, unsynced = plan(read([lonely], [], **{"1|10009": None}), KEYS, frozenset(), TYPES)
    assert wanted == []
    assert unsynced == ["A-1 Relates A-9 (not synced)"]


def pair() -> PairState:
    return PairState(
        pair_id="1:10001",
        version=1,
        origin=1,
        site1=IssueRef(site=1, id="10001", key="A-1"),
        site2=IssueRef(site=2, id="20001", key="B-1"),
        status=PairStatus.SYNCED,
        updated_at=T0,
    )


def test_the_facts_keep_what_was_seen_and_what_the_sync_made() -> None:
    seen = fold(pair(), [LinksSeen({"1": ["Blocks|10002"], "2": []}, [])], T0)
    made = fold(seen, [LinkMade(2, "Blocker|20002")], T0)
    assert made is not None
    assert (made.links, made.links_made) == (
        {"1": ["Blocks|10002"], "2": ["Blocker|20002"]},
        ["2|Blocker|20002"],
    )
    removed = fold(made, [LinkRemoved(1, "Blocks|10002", "2|Blocker|20002")], T0)
    assert removed is not None
    assert (removed.links, removed.links_made) == ({"1": [], "2": ["Blocker|20002"]}, [])
    forgot = fold(made, [LinksSeen({"1": [], "2": []}, ["2|Blocker|20002"])], T0)
    assert forgot is not None
    assert forgot.links_made == []


def change(links: list[str]) -> IssueChanged:
    values = {"summary": "S", "issuelinks": links}
    return IssueChanged(1, "updated", "10001", "A-1", values, T0, "w-1")


def test_a_step_looks_at_links_only_when_a_side_shows_other_ones() -> None:
    state = pair().model_copy(update={"links": {"1": ["Blocks|10002"]}})
    seen = ChangeSeen(1, "10001", "A-1", T0, "w-1", 64)
    quiet = Decision(state, [], "quiet", events=[seen])
    assert with_links(change(["Blocks|10002"]), state, quiet).actions == []  # an echo
    assert with_links(change([]), state, quiet).actions == [SyncLinks()]  # one removed
    duplicate = Decision(state, [], "duplicate")
    assert with_links(change([]), state, duplicate).actions == []
