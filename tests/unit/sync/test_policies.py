"""The policies the applier used to hold, called directly: no emulator, no HTTP, no loop."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from streams.state import IssueRef, PairStatus
from streams.sync import outcomes
from streams.sync.events import fold
from streams.sync.facts import (
    Cleared,
    CreateFound,
    FieldsUnagreed,
    FieldsWritten,
    StatusReached,
    Warned,
    WarningsCleared,
    WriteFailed,
)
from streams.sync.fields import FieldMaps, NameMap
from streams.sync.knowledge import UserMap
from streams.sync.markers import signed
from streams.sync.messages import (
    Attribute,
    CopyComment,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    Observation,
    RecoverCreate,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
)
from streams.sync.policies import (
    CommentPlan,
    CreateAgain,
    Followed,
    Found,
    Wait,
    after,
    comment_plan,
    left_out_of_create,
    look_for_lost_copy,
    moved_by_others,
    recovery,
    refused_write,
    resolution_held,
    status_after_create,
)
from streams.sync.rich_text import with_rest_text
from streams.sync.running import (
    Candidate,
    LeftOut,
    Moved,
    Refused,
    Retry,
    Searched,
    prepared,
    resolved,
)
from streams.sync.screens import resolution_unknown
from tests.unit.sync import pairs

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRET = SecretStr("a deployment secret of some length")
NONCE = "ab" * 16
LINK = {"pair_id": "1:10001", "site": 1, "id": "10001", "key": "PROJ1-1"}
SIGNED = signed(LINK, NONCE, SECRET)
CONFIG = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"},
    marker_secret=SECRET,
    create_grace=timedelta(seconds=30),
)
LOST = RecoverCreate(2, "PROJ2", {"summary": "Printer on fire"}, SIGNED, "PROJ1-1", T0, "Done")
PAIR = pairs.pending(T0)


def test_a_lost_create_is_found_by_its_signed_marker_the_earliest_of_several() -> None:
    newest_first = [
        Candidate("20003", "PROJ2-3", SIGNED, None),  # a copy made later
        Candidate("20002", "PROJ2-2", {"pair_id": "1:10001"}, None),  # forged: no mac
        Candidate("20001", "PROJ2-1", SIGNED, None),
    ]
    assert recovery(LOST, newest_first, CONFIG, T0 + timedelta(seconds=1)) == Found(
        "20001", "PROJ2-1"
    )


def test_a_marker_on_an_issue_someone_else_created_is_not_the_lost_create() -> None:
    config = dataclasses.replace(CONFIG, integration_accounts={2: "sync-account"})
    theirs = [Candidate("20002", "PROJ2-2", SIGNED, "alice")]
    assert isinstance(recovery(LOST, theirs, config, T0 + timedelta(seconds=5)), Wait)
    ours = [Candidate("20001", "PROJ2-1", SIGNED, "sync-account"), *theirs]
    assert recovery(LOST, ours, config, T0) == Found("20001", "PROJ2-1")


def test_not_found_within_the_grace_waits_for_the_rest_of_it() -> None:
    chosen = recovery(LOST, [], CONFIG, T0 + timedelta(seconds=5))
    assert isinstance(chosen, Wait)
    assert chosen.seconds == 25
    forged = [Candidate("20002", "PROJ2-2", {**LINK, "nonce": NONCE, "mac": "0" * 64}, None)]
    assert isinstance(recovery(LOST, forged, CONFIG, T0 + timedelta(seconds=5)), Wait)


def test_not_found_after_the_grace_is_made_again_with_the_intents_marker() -> None:
    chosen = recovery(LOST, [], CONFIG, T0 + timedelta(seconds=31))
    assert chosen == CreateAgain(
        CreateCounterpart(2, "PROJ2", {"summary": "Printer on fire"}, SIGNED, "PROJ1-1", "Done")
    )
    assert chosen.create.link["nonce"] == NONCE  # the create signs with the same nonce


def test_a_recovered_counterpart_gets_its_status_guarded() -> None:
    assert status_after_create(2, "PROJ2-1", "Done") == [
        TransitionTo(2, "PROJ2-1", "Done", guarded=True)
    ]
    assert status_after_create(2, "PROJ2-1", None) == []


def test_a_guarded_move_is_not_made_once_someone_else_moved_the_issue() -> None:
    assert not moved_by_others([], "sync-account")
    assert not moved_by_others(["sync-account", "sync-account"], "sync-account")
    assert moved_by_others(["sync-account", "alice"], "sync-account")
    assert moved_by_others([None], "sync-account")  # an author JIRA does not name


def test_the_comment_plan_creates_updates_or_removes() -> None:
    assert comment_plan(original_public=True, copy_id=None) is CommentPlan.CREATE
    assert comment_plan(original_public=True, copy_id="20000") is CommentPlan.UPDATE
    assert comment_plan(original_public=False, copy_id="20000") is CommentPlan.REMOVE
    assert comment_plan(original_public=False, copy_id=None) is CommentPlan.REMOVE


def test_a_pending_copy_without_a_mapping_is_looked_for_by_its_marker_first() -> None:
    assert look_for_lost_copy("1:10010", None, ["1:10010"])
    assert not look_for_lost_copy("1:10010", None, [])  # never asked: made at once
    assert not look_for_lost_copy("1:10010", "20000", ["1:10010"])  # mapped: known


def test_fields_the_edit_screen_refused_are_warned_about_and_the_rest_written() -> None:
    action = WriteFields(2, "PROJ2-1", {"summary": "S", "duedate": "2026-12-24", "labels": []})
    chosen = refused_write(action, ["duedate"], "HTTP 400", FieldMaps())
    [warning] = chosen.facts
    assert isinstance(warning, Warned)
    assert (warning.code, warning.field) == ("field-not-on-screen", "duedate")
    assert chosen.then == [WriteFields(2, "PROJ2-1", {"summary": "S", "labels": []})]


def test_a_write_whose_every_field_was_refused_writes_nothing_more() -> None:
    action = WriteFields(2, "PROJ2-1", {"resolution": "Fixed"})
    chosen = refused_write(action, ["resolution"], "HTTP 400", FieldMaps())
    assert [w.field for w in chosen.facts if isinstance(w, Warned)] == ["resolution"]
    assert chosen.then == []


def test_a_refusal_naming_no_field_written_fails_the_pair() -> None:
    action = WriteFields(2, "PROJ2-1", {"summary": "S"})
    chosen = refused_write(action, ["customfield_1"], "HTTP 400: nope", FieldMaps())
    assert chosen.facts == [WriteFailed("WriteFields", 2, "HTTP 400: nope", retryable=False)]
    assert chosen.then == []
    state = fold(PAIR, chosen.facts, T0)
    assert state is not None
    assert state.status is PairStatus.FAILED


def test_values_the_create_screen_left_out_are_unagreed_warned_and_written_after() -> None:
    create = CreateCounterpart(2, "PROJ2", {"summary": "S", "duedate": "2026-12-24"}, LINK, "X")
    chosen = left_out_of_create(create, "PROJ2-1", ["duedate"], CONFIG)
    assert chosen.facts[0] == FieldsUnagreed({"duedate": "2026-12-24"})
    assert [(w.code, w.field) for w in chosen.facts[1:] if isinstance(w, Warned)] == [
        ("field-not-on-create-screen", "duedate")
    ]
    assert chosen.then == [WriteFields(2, "PROJ2-1", {"duedate": "2026-12-24"})]
    agreed = PAIR.model_copy(update={"base": {"summary": "S", "duedate": "2026-12-24"}})
    state = fold(agreed, chosen.facts, T0)
    assert state is not None
    assert state.base == {"summary": "S"}  # a later merge sets it if the edit fails
    assert left_out_of_create(create, "PROJ2-1", [], CONFIG).then == []


BOB_REPORTED = {"reporter": {"account": "712020:bob", "name": "Bob"}, "summary": "S"}


def test_a_reporter_the_target_takes_needs_no_attribution() -> None:
    create = CreateCounterpart(2, "PROJ2", BOB_REPORTED, LINK, "PROJ1-4")
    maps = FieldMaps(users=UserMap({"712020:bob": "712020:bob-two"}))
    config = dataclasses.replace(CONFIG, reporter_sites=frozenset({2}), attribution=True)
    assert left_out_of_create(create, "PROJ2-1", [], config).then != []  # no account there
    known = dataclasses.replace(config, maps=maps)
    assert left_out_of_create(create, "PROJ2-1", [], known).then == []


def test_a_reporter_the_target_cannot_take_is_named_never_asked_again() -> None:
    create = CreateCounterpart(2, "PROJ2", BOB_REPORTED, LINK, "PROJ1-4")
    line = Attribute(2, "PROJ2-1", "Bob reported this as PROJ1-4 (site 1). [jira-sync]")
    attributing = dataclasses.replace(CONFIG, attribution=True)
    assert left_out_of_create(create, "PROJ2-1", [], attributing).then == [line]  # no right
    allowed = dataclasses.replace(attributing, reporter_sites=frozenset({2}))
    refused = left_out_of_create(create, "PROJ2-1", ["reporter"], allowed)
    assert refused.then == [line]  # the screen refused it: no edit asks for it again
    assert not any(isinstance(f, FieldsUnagreed) for f in refused.facts)
    assert left_out_of_create(create, "PROJ2-1", [], CONFIG).then == []  # attribution off


def test_the_resolution_held_is_what_the_screen_gave_or_what_the_issue_holds() -> None:
    maps = FieldMaps(resolutions=NameMap({"Fixed": "Done"}))
    done = TransitionTo(2, "PROJ2-1", "Done", resolution="Fixed")
    assert resolution_held(done, "Done", None, maps) == {}  # given, mapped back: the same
    assert resolution_held(done, "Won't Do", None, maps) == {"resolution": "Won't Do"}
    assert resolution_held(done, None, "Duplicate", maps) == {"resolution": "Duplicate"}
    assert resolution_held(done, None, "Fixed", maps) == {}
    assert resolution_held(TransitionTo(2, "PROJ2-1", "Done"), None, "Fixed", maps) == {}


def test_the_just_made_counterpart_is_filled_in_once_it_exists() -> None:
    status = TransitionTo(2, "", "Done", guarded=True)
    assert resolved(status, PAIR) is None  # not made: nothing to move
    made = outcomes.created_on(PAIR, 2, "20001", "PROJ2-1", {}, T0)
    assert resolved(status, made) == TransitionTo(2, "PROJ2-1", "Done", guarded=True)
    assert resolved(CopyComments(1, "PROJ1-1", 2, ""), made) == CopyComments(
        1, "PROJ1-1", 2, "PROJ2-1"
    )
    written = WriteFields(2, "PROJ2-9", {})
    assert resolved(written, made) is written


def test_facts_fold_as_the_outcomes_they_replace() -> None:
    write = WriteFields(2, "PROJ2-1", {"summary": "S"})
    assert fold(PAIR, [FieldsWritten(2, {"summary": "S"}, {"x": 1})], T0) == outcomes.written(
        PAIR, write, T0, {"x": 1}
    )


def test_an_action_carries_what_its_effect_needs_of_the_pair() -> None:
    made = outcomes.created_on(PAIR, 2, "20001", "PROJ2-1", {}, T0)
    copied = outcomes.comment_copied(made, "1:10010", "2:20010", T0)
    asked = outcomes.comment_pending(copied, "1:10011", T0)
    one = prepared(CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1"), asked)
    assert (one.copy_id, one.pending) == ("20010", False)  # type: ignore[union-attr]
    two = prepared(CopyComment(1, "PROJ1-1", "10011", 2, "PROJ2-1"), asked)
    assert (two.copy_id, two.pending) == (None, True)  # type: ignore[union-attr]
    earlier = prepared(CopyComments(1, "PROJ1-1", 2, "PROJ2-1"), asked)
    assert earlier == CopyComments(
        1, "PROJ1-1", 2, "PROJ2-1", frozenset({"1:10010", "2:20010"}), frozenset({"1:10011"})
    )
    assert prepared(CrossLink(2), made) == CrossLink(2, False, "1:10001", ("PROJ1-1", "PROJ2-1"))
    assert prepared(Unlink(1, "PROJ1-1"), made) == Unlink(1, "PROJ1-1", "1:10001")


def test_a_creates_webhook_text_is_replaced_by_the_origins_rest_read() -> None:
    values = {"summary": "S", "description": "h1. wiki *markup*"}
    create = CreateCounterpart(2, "PROJ2", values, LINK, "PROJ1-1", webhook_text=True)
    rest = {"summary": "S2", "description": "REST text"}
    read = Observation(1, "10001", "PROJ1-1", rest, T0)
    fresh = with_rest_text(create, read, FieldMaps())
    assert fresh == dataclasses.replace(
        create, values={"summary": "S", "description": "REST text"}, webhook_text=False
    )  # only the rich text is taken from the read; the model's other values stay
    gone = Observation(1, "", "PROJ1-1", {}, None, exists=False)
    assert with_rest_text(create, gone, FieldMaps()) is None  # not copied yet


# ``after``: what JIRA said of an action (``running.Said``) judged in one pure place.


def test_after_a_refused_write_the_refused_fields_are_warned_and_the_rest_written() -> None:
    write = WriteFields(2, "PROJ2-1", {"summary": "S", "duedate": "2026-12-24"})
    chosen = after(write, Refused(["duedate"], "HTTP 400"), CONFIG, T0)
    assert [(w.code, w.field) for w in chosen.facts if isinstance(w, Warned)] == [
        ("field-not-on-screen", "duedate")
    ]
    assert len(chosen.facts) == 1
    assert chosen.then == [WriteFields(2, "PROJ2-1", {"summary": "S"})]
    assert chosen.retry is None


def test_after_a_refusal_naming_no_field_written_the_pair_fails() -> None:
    write = WriteFields(2, "PROJ2-1", {"summary": "S"})
    chosen = after(write, Refused([], "HTTP 400: bad"), CONFIG, T0)
    assert chosen == Followed([WriteFailed("WriteFields", 2, "HTTP 400: bad", retryable=False)])


def test_after_a_create_the_fields_its_screen_left_out_are_written_by_an_edit() -> None:
    asked = CreateCounterpart(2, "PROJ2", {"summary": "S"}, LINK, "PROJ1-1", webhook_text=True)
    made = dataclasses.replace(asked, values={"summary": "S", "duedate": "2026-12-24"})
    chosen = after(asked, LeftOut(made, "PROJ2-7", ["duedate"]), CONFIG, T0)
    assert chosen.facts[0] == FieldsUnagreed({"duedate": "2026-12-24"})  # the create made
    assert [w.field for w in chosen.facts[1:] if isinstance(w, Warned)] == ["duedate"]
    assert chosen.then == [WriteFields(2, "PROJ2-7", {"duedate": "2026-12-24"})]
    assert after(asked, LeftOut(made, "PROJ2-7", []), CONFIG, T0) == Followed()


def test_after_a_recovery_search_finding_ours_it_is_adopted_linked_and_moved() -> None:
    found = [
        Candidate("20002", "PROJ2-2", SIGNED, None),
        Candidate("20001", "PROJ2-1", SIGNED, None),
    ]
    chosen = after(LOST, Searched(found), CONFIG, T0 + timedelta(seconds=1))
    assert chosen.facts == [CreateFound(2, "20001", "PROJ2-1", {"summary": "Printer on fire"})]
    assert chosen.then == [
        CrossLink(2, best_effort=True),
        TransitionTo(2, "PROJ2-1", "Done", guarded=True),
        CopyComments(2, "PROJ2-1", 1, "PROJ1-1"),  # what people wrote on it meanwhile
    ]
    assert chosen.retry is None
    state = fold(PAIR, chosen.facts, T0)
    assert state is not None
    assert state.site2 == IssueRef(site=2, id="20001", key="PROJ2-1")


def test_after_a_recovery_search_finding_nothing_within_the_grace_it_waits() -> None:
    chosen = after(LOST, Searched([]), CONFIG, T0 + timedelta(seconds=10))
    assert (chosen.facts, chosen.then) == ([], [])
    assert chosen.retry is not None
    assert chosen.retry.after == 20
    assert chosen == Followed(retry=Retry(chosen.retry.reason, 20))


def test_after_a_recovery_search_finding_nothing_past_the_grace_it_is_made_again() -> None:
    chosen = after(LOST, Searched([]), CONFIG, T0 + timedelta(seconds=31))
    again = CreateCounterpart(2, "PROJ2", {"summary": "Printer on fire"}, SIGNED, "PROJ1-1", "Done")
    assert chosen == Followed([], [again, TransitionTo(2, "", "Done", guarded=True)])
    no_status = dataclasses.replace(LOST, status=None)
    later = after(no_status, Searched([]), CONFIG, T0 + timedelta(seconds=31))
    assert [type(a) for a in later.then] == [CreateCounterpart]


def test_after_an_answer_that_said_nothing_to_judge_nothing_follows() -> None:
    write = WriteFields(2, "PROJ2-1", {"summary": "S"})
    assert after(write, None, CONFIG, T0) == Followed()
    assert after(LOST, None, CONFIG, T0) == Followed()
    status = TransitionTo(2, "PROJ2-1", "Done")
    assert after(status, Refused(["summary"], "HTTP 400"), CONFIG, T0) == Followed()


def test_after_a_move_the_status_is_reached_with_the_resolution_the_screen_took() -> None:
    config = dataclasses.replace(CONFIG, maps=FieldMaps(resolutions=NameMap({"Fixed": "Done"})))
    done = TransitionTo(2, "PROJ2-1", "Done", resolution="Fixed")
    same = after(done, Moved("Done", None), config, T0)  # this site's name for "Fixed"
    assert same == Followed(
        [
            StatusReached(2, "Done", "Fixed", {}),
            Cleared("status-unreachable", "status"),
            WarningsCleared("transition-screen"),
            Cleared("resolution-kept", "resolution"),
        ]
    )
    other = after(done, Moved("Won't Do", None), config, T0)
    assert other.facts[0] == StatusReached(2, "Done", "Fixed", {"resolution": "Won't Do"})
    assert other.facts[-1] == Cleared("resolution-kept", "resolution")  # a screen gave it


def test_after_a_move_no_screen_resolved_the_resolution_it_holds_is_warned_about() -> None:
    done = TransitionTo(2, "PROJ2-1", "Done", resolution="Fixed")
    chosen = after(done, Moved(None, "Duplicate"), CONFIG, T0)
    assert chosen.facts[0] == StatusReached(2, "Done", "Fixed", {"resolution": "Duplicate"})
    kept = chosen.facts[-1]
    assert isinstance(kept, Warned)
    assert (kept.code, kept.field) == ("resolution-kept", "resolution")
    assert chosen.then == []
    state = fold(
        PAIR.model_copy(update={"site2": IssueRef(site=2, id="2", key="PROJ2-1")}), chosen.facts, T0
    )
    assert state is not None
    assert [w.code for w in state.warnings] == ["resolution-kept"]
    plain = after(TransitionTo(2, "PROJ2-1", "To Do"), Moved(None, None), CONFIG, T0)
    assert plain.facts[0] == StatusReached(2, "To Do", None, {})


def test_the_resolution_is_read_after_a_move_only_when_asked_and_no_screen_took_it() -> None:
    done = TransitionTo(2, "PROJ2-1", "Done", resolution="Fixed")
    assert resolution_unknown(done, None)
    assert not resolution_unknown(done, "Fixed")
    assert not resolution_unknown(TransitionTo(2, "PROJ2-1", "Done"), None)
