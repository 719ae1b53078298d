"""``jira-sync dead-letters``' decisions (``streams.dead_letter_plan``): grouping
and filtering by reason, each letter's state from the re-drive markers (committed or
aborted), which letters a redrive picks and what it does with each."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from jira_sync.ops.dead_letters_cmd import letter_json, render_groups, render_outcome
from streams import dead_letter_plan as plans
from streams.dead_letter_redrive import Outcome
from streams.dead_letters import OLDER, DeadLetter, Original, read_letter
from streams.dead_letters import letter as make_letter
from streams.sync.messages import IssueChanged, PairMessage, Reexamine, Resolve
from streams.sync.normalize import encode_message, message_from_json

AT = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def dead(partition: int, offset: int, reason: str, kept: bool = True) -> DeadLetter:
    original = Original("p.commands", 1, 40 + offset, b"k", b"{}", (("h", b"v"),))
    return DeadLetter(
        partition,
        offset,
        reason,
        "commands",
        "k",
        None,
        AT.isoformat(),
        original if kept else None,
        None if kept else OLDER,
    )


A, B, C = dead(0, 1, "no such issue"), dead(1, 1, "No such issue"), dead(1, 2, "boom")
OLD = dead(0, 2, "boom: older", kept=False)


def redriven(letter: str, committed: bool = True) -> plans.Marker:
    return plans.Marker(letter, "redriven", committed, "p.commands", 1, 50)


def settled(letter: str, found: bool) -> plans.Marker:
    return plans.Marker(letter, "settled", True, found=found)


def test_markers_round_trip_and_other_records_are_ignored() -> None:
    for marker in (redriven("0:1"), settled("0:1", True), settled("0:1", False)):
        assert plans.Marker.from_bytes(marker.to_bytes(), committed=True) == marker
    assert plans.Marker.from_bytes(redriven("1:2").to_bytes(), False) == redriven("1:2", False)
    assert plans.Marker.from_bytes(b"{}", True) is None
    assert plans.Marker.from_bytes(b"not json", True) is None
    assert plans.Marker.from_bytes(None, True) is None


def test_a_committed_marker_makes_a_letter_redriven_an_aborted_one_in_doubt() -> None:
    aborted = redriven("1:1", committed=False)
    known, doubts = plans.states([redriven("0:1"), aborted])
    assert known == {"0:1": "redriven", "1:1": "in doubt"}
    assert doubts == {"1:1": aborted}


def test_a_settled_doubt_is_redriven_when_its_record_was_found_else_waiting() -> None:
    markers = [redriven("0:1", False), redriven("1:1", False), settled("0:1", True)]
    known, doubts = plans.states([*markers, settled("1:1", False)])
    assert known == {"0:1": "redriven", "1:1": "waiting"}
    assert doubts == {}
    again = redriven("1:1", committed=False)  # re-driven again, and that one aborted too
    assert plans.states([*markers, settled("1:1", False), again])[1] == {"1:1": again}


def test_an_aborted_marker_after_a_committed_one_changes_nothing() -> None:
    assert plans.states([redriven("0:1"), redriven("0:1", False)]) == ({"0:1": "redriven"}, {})


def test_the_plan_redrives_only_waiting_letters_with_their_record() -> None:
    known: dict[str, plans.State] = {"1:1": "redriven", "1:2": "in doubt"}
    steps = plans.plan([A, B, C, OLD], known)
    assert [(step.letter.id, step.redrive) for step in steps] == [
        ("0:1", True),
        ("1:1", False),
        ("1:2", False),
        ("0:2", False),
    ]
    assert steps[0].why == "to p.commands[1]"
    assert steps[1].why == "already re-driven"
    assert "interrupted" in steps[2].why
    assert steps[3].why == f"cannot: {OLDER}"


def test_letters_are_grouped_by_reason_largest_first_and_filtered_by_part_of_it() -> None:
    groups = plans.grouped([C, A, OLD, B, dead(2, 0, "boom")])
    assert [(g.reason, len(g.letters)) for g in groups] == [
        ("boom", 2),
        ("No such issue", 1),
        ("boom: older", 1),
        ("no such issue", 1),
    ]
    assert [g.reason for g in plans.grouped([A, B, C, OLD], "BOOM")] == ["boom", "boom: older"]
    assert plans.grouped([A], "nothing like it") == []
    assert groups[0].sources == ["commands"]


def test_a_redrive_chooses_by_reason_or_by_place() -> None:
    letters = [A, B, C, OLD]
    assert plans.chosen(letters, "such", ()) == [A, B]
    assert plans.chosen(letters, "", ()) == letters
    assert plans.chosen(letters, None, ("1:2", "0:1", "1:2")) == [C, A]
    assert plans.chosen([A, C], None, ("2",)) == [C]  # only one partition has offset 2
    with pytest.raises(plans.BadSelection, match="several partitions"):
        plans.chosen(letters, None, ("1",))
    with pytest.raises(plans.BadSelection, match="no dead letter at offset 9:9"):
        plans.chosen(letters, None, ("9:9",))


def test_a_redriven_record_names_its_letter_once() -> None:
    original = Original("t", 0, 1, None, b"", (("a", b"1"), (plans.REDRIVE_OF, b"0:0")))
    assert plans.redrive_headers(original, A) == [("a", b"1"), (plans.REDRIVE_OF, b"0:1")]


def test_the_list_shows_state_and_where_each_letter_came_from() -> None:
    known: dict[str, plans.State] = {"0:1": "redriven"}
    shown = render_groups(plans.grouped([A, OLD]), known)
    assert shown.splitlines()[0] == "2 dead letter(s), 2 reason(s)"
    assert "redriven  p.commands[1]" in shown
    assert "cannot  (no record kept)" in shown
    assert render_groups([], {}) == "no dead letters"
    assert letter_json(A, "waiting")["record"] == ["p.commands", 1, 41]
    assert letter_json(OLD, "cannot")["why_not"] == OLDER


def test_the_outcome_counts_what_was_and_would_be_redriven() -> None:
    steps = plans.plan([A, OLD], {})
    done = Outcome(steps=steps, settled=[("1:1", True)], done=["0:1"])
    text = render_outcome(done, dry_run=False)
    assert "settled an interrupted redrive of 1:1: record found" in text
    assert text.splitlines()[-1] == "1 re-driven, 1 skipped"
    assert render_outcome(Outcome(steps=steps), True).splitlines()[-1] == (
        "1 would re-drive, 1 skipped"
    )
    stopped = Outcome(steps=steps, done=[], stopped="stopped: fenced")
    assert render_outcome(stopped, False).splitlines()[-2:] == [
        "0 re-driven, 1 skipped",
        "stopped: fenced",
    ]


def test_a_letter_made_by_the_worker_reads_back_as_planned() -> None:
    original = Original("p.jira1.events", 0, 3, b"1", b"body", ())
    made = read_letter(0, 5, make_letter("r", "events-1", b"1", None, AT, original))
    [step] = plans.plan([made], {})
    assert (step.redrive, step.why) == (True, "to p.jira1.events[0]")


def on_pair_changes(message: PairMessage) -> Original:
    return Original("p.pair-changes", 0, 3, b"1:10001", encode_message(message), ())


def test_a_change_the_pair_has_seen_goes_back_as_a_fresh_look_at_the_pair() -> None:
    seen = IssueChanged(1, "updated", "10001", "P1-1", {"summary": "s"}, webhook_id="w-1")
    sent = plans.as_sent(on_pair_changes(seen), A, "p.pair-changes")
    assert message_from_json(json.loads(sent or b"")) == Reexamine("redrive of dead letter 0:1")


def test_other_records_go_back_as_they_were() -> None:
    resolve = on_pair_changes(Resolve(winner=2, sync_id="P1-1#P2-1"))
    snapshot = on_pair_changes(IssueChanged(1, "snapshot", "10001", "P1-1", {}))
    garbage = Original("p.pair-changes", 0, 3, None, b"\x80", ())
    webhook = Original("p.jira1.events", 0, 3, None, b"{}", ())
    for original in (resolve, snapshot, garbage, webhook):
        assert plans.as_sent(original, A, "p.pair-changes") == original.value
