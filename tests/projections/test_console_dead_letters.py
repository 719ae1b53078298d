"""The console's dead-letters page, pure: which letters a group's re-drive picks, the
newest letters shown, the states counted, the note after a re-drive, the empty state."""

from __future__ import annotations

from projections.console_dead_letters import (
    dead_letters_page,
    newest,
    of_reason,
    redrive_note,
)
from streams import dead_letter_plan as plans
from streams.dead_letter_redrive import Outcome
from streams.dead_letters import OLDER, DeadLetter, Original

EVIL = '<script>alert("x")</script>'


def letter(partition: int, offset: int, reason: str, at: str | None = None) -> DeadLetter:
    original = Original("p.pair-changes", 1, offset, b"1:10001", b"{}")
    return DeadLetter(partition, offset, reason, "retry", EVIL, {}, at, original)


def test_a_group_re_drive_picks_that_reason_only_not_a_part_of_it() -> None:
    letters = [letter(0, 0, "HTTP 400"), letter(0, 1, "HTTP 400 again"), letter(1, 0, "http 400")]
    assert [one.id for one in of_reason("HTTP 400")(letters)] == ["0:0"]
    assert of_reason("")(letters) == []


def test_the_newest_letters_come_first_and_are_bounded() -> None:
    letters = [letter(0, n, "r", f"2026-01-01T00:00:{n:02d}+00:00") for n in range(8)]
    letters.append(letter(1, 0, "r", None))
    assert [one.offset for one in newest(letters, 3)] == [7, 6, 5]
    assert newest(letters, 20)[-1].id == "1:0"  # no time: oldest


def test_the_page_counts_states_offers_only_waiting_letters_and_escapes() -> None:
    letters = [letter(0, 0, EVIL), letter(0, 1, EVIL), letter(0, 2, "other")]
    older = DeadLetter(0, 3, "other", "retry", None, {}, None, None, OLDER)
    page = dead_letters_page([*letters, older], {"0:1": "in doubt", "0:2": "redriven"}, "tok")
    assert EVIL not in page
    assert "1 waiting, 1 in doubt" in page
    assert "1 redriven, 1 cannot" in page
    assert page.count("Re-drive 1") == 1
    assert "nothing waits to be re-driven" in page
    assert "p.pair-changes:1:0" in page
    assert 'name="csrf" value="tok"' in page


def test_no_dead_letters_and_unreadable_ones_say_so() -> None:
    assert "No dead letters" in dead_letters_page([], {}, "tok")
    page = dead_letters_page(None, {}, "tok", problem="KafkaConnectionError: down")
    assert "Dead letters unknown: KafkaConnectionError: down" in page


def test_the_note_says_what_was_re_driven_skipped_settled_and_stopped() -> None:
    one, two = letter(0, 0, "r"), letter(0, 1, "r")
    steps = [plans.Step(one, True, "to x"), plans.Step(two, False, "already re-driven")]
    outcome = Outcome(steps=steps, settled=[("0:9", True)], done=["0:0"])
    note = redrive_note(outcome, "r")
    assert note.startswith("Re-drove 1 letter(s) of 'r': 0:0.")
    assert "Skipped 1: already re-driven." in note
    assert "Settled an interrupted redrive of 0:9: record found" in note
    stopped = redrive_note(Outcome(stopped="stopped: another redrive took over"), "r")
    assert "Re-drove 0 letter(s)" in stopped
    assert "No letter of that reason is left." in stopped
    assert stopped.endswith("The redrive stopped: another redrive took over.")


def test_the_note_names_a_bounded_number_of_letters() -> None:
    done = [f"0:{n}" for n in range(500)]
    note = redrive_note(Outcome(steps=[], done=done), "r")
    assert note.startswith("Re-drove 500 letter(s) of 'r': 0:0, 0:1,")
    assert "0:9 and 490 more." in note
    assert len(note) < 300
