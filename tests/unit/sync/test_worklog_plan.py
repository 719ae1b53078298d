"""The worklog plan (pure): what both issues' listings and the pair's map call for, the
attribution line, and when a step looks at the worklogs at all."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from streams.jira.models import Worklog
from streams.records import WebhookEnvelope
from streams.state import PairFailure
from streams.sync.decision import Decision
from streams.sync.events import fold
from streams.sync.fields import FieldMaps
from streams.sync.knowledge import UserMap
from streams.sync.messages import CreateCounterpart, IssueChanged, Reexamine, SyncConfig
from streams.sync.model import decide
from streams.sync.normalize import change_from_envelope, message_from_json, message_to_json
from streams.sync.running import prepared
from streams.sync.settled import ChangeSeen
from streams.sync.worklog_actions import (
    WORKLOG_PROPERTY,
    CopyWorklog,
    DeleteWorklog,
    SyncWorklogs,
    UpdateWorklog,
    WorklogChanged,
    WorklogsListed,
)
from streams.sync.worklog_facts import WorklogCopied, WorklogSeen, WorklogUnmapped
from streams.sync.worklog_plan import copy_body, digest, planned
from streams.sync.worklog_wiring import with_worklogs, worklog_change
from tests.unit.sync import pairs

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEYS = ("PROJ1-1", "PROJ2-1")
OURS = {1: "sync-1", 2: "sync-2"}
ALICE1, ALICE2 = "alice-on-1", "alice-on-2"
STARTED = "2026-12-01T09:00:00.000+0000"
CONFIG = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"},
    integration_accounts=OURS,
    worklogs=True,
    maps=FieldMaps(users=UserMap({ALICE1: ALICE2})),
)


def log(id_: str, author: str, seconds: int = 3600, **extra: Any) -> Worklog:
    body = {"id": id_, "author": {"accountId": author, "displayName": author.title()}}
    body |= {"started": STARTED, "timeSpentSeconds": seconds}
    return Worklog.model_validate(body | extra)


def copy_of(id_: str, site: int, original: Worklog, source: str) -> Worklog:
    mark = {"source": source, "digest": digest(original)}
    return log(id_, OURS[site], original.time_spent_seconds,
               properties=[{"key": WORKLOG_PROPERTY, "value": mark}])  # fmt: skip


def plan(one: list[Worklog], two: list[Worklog], known: dict[str, str] | None = None) -> Any:
    return planned(SyncWorklogs(KEYS, known or {}), WorklogsListed(one, two), CONFIG)


def test_a_persons_worklog_on_either_side_is_copied_to_the_other() -> None:
    alices, bobs = log("11", ALICE1), log("21", "bob-on-2", 600)
    followed = plan([alices], [bobs])
    assert followed.facts == []
    assert followed.then == [
        CopyWorklog("1:11", 2, "PROJ2-1", copy_body(alices, "1:11", "PROJ1-1", CONFIG.maps.users)),
        CopyWorklog("2:21", 1, "PROJ1-1", copy_body(bobs, "2:21", "PROJ2-1", CONFIG.maps.users)),
    ]
    body = followed.then[0].body  # type: ignore[union-attr]
    assert (body["timeSpentSeconds"], body["started"]) == (3600, STARTED)
    assert body["properties"] == [
        {"key": WORKLOG_PROPERTY, "value": {"source": "1:11", "digest": digest(alices)}}
    ]


def test_the_copys_comment_names_the_author_as_a_mention_where_they_have_an_account() -> None:
    note = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Reviewed"}]}]}  # fmt: skip
    mapped = copy_body(log("11", ALICE1, comment=note), "1:11", "PROJ1-1", CONFIG.maps.users)
    first, rest = mapped["comment"]["content"][0], mapped["comment"]["content"][1:]
    assert first["content"][:2] == [
        {"type": "text", "text": "Logged by "},
        {"type": "mention", "attrs": {"id": ALICE2, "text": "@Alice-On-1"}},
    ]
    assert first["content"][2]["text"] == " on PROJ1-1 (site 1) [jira-sync]"
    assert rest == note["content"]
    unknown = copy_body(log("21", "bob-on-2"), "2:21", "PROJ2-1", CONFIG.maps.users)
    line = unknown["comment"]["content"][0]["content"]
    assert [node["type"] for node in line] == ["text", "text"]
    assert line[0]["text"] == "Logged by Bob-On-2"  # plain text: no account on site 1
    assert len(unknown["comment"]["content"]) == 1


def test_copies_and_the_sync_accounts_own_worklogs_are_never_copied() -> None:
    alices = log("11", ALICE1)
    copy = copy_of("21", 2, alices, "1:11")
    own = log("22", OURS[2])  # the sync account logged it, no marker: not a person's
    assert plan([alices], [copy, own], {"1:11": "2:21"}).then == []


def test_a_restricted_worklog_stays_where_it_is() -> None:
    hidden = log("11", ALICE1, visibility={"type": "role", "value": "Developers"})
    assert plan([hidden], []).then == []


def test_a_copy_made_before_a_crash_is_found_by_its_marker_not_made_twice() -> None:
    alices = log("11", ALICE1)
    followed = plan([alices], [copy_of("27", 2, alices, "1:11")])
    assert followed.facts == [WorklogCopied("1:11", "2:27", "found")]
    assert followed.then == []


def test_an_edited_original_updates_its_copy_and_the_echo_finds_nothing() -> None:
    before = log("11", ALICE1, 3600)
    edited = log("11", ALICE1, 7200)
    followed = plan([edited], [copy_of("21", 2, before, "1:11")], {"1:11": "2:21"})
    body = copy_body(edited, "1:11", "PROJ1-1", CONFIG.maps.users)
    assert followed.then == [UpdateWorklog("1:11", 2, "PROJ2-1", "21", body)]
    assert plan([edited], [copy_of("21", 2, edited, "1:11")], {"1:11": "2:21"}).then == []


def test_a_deletion_follows_only_from_the_side_that_logged_the_original() -> None:
    alices = log("11", ALICE1)
    gone = plan([], [copy_of("21", 2, alices, "1:11")], {"1:11": "2:21"})
    assert gone.then == [DeleteWorklog("1:11", 2, "PROJ2-1", "21")]
    copy_deleted = plan([alices], [], {"1:11": "2:21"})  # by hand: stays deleted
    assert (copy_deleted.facts, copy_deleted.then) == ([], [])
    both = plan([], [], {"1:11": "2:21"})
    assert (both.facts, both.then) == ([WorklogUnmapped("1:11")], [])


def test_the_map_is_a_fold_of_the_facts_and_prepared_into_the_action() -> None:
    pair = pairs.synced(T0)
    facts = [WorklogCopied("1:11", "2:21"), WorklogCopied("2:22", "1:12", "found")]
    state = fold(
        pair, [*facts, WorklogCopied("1:11", "2:21", "edited"), WorklogUnmapped("2:22")], T0
    )
    assert state is not None
    assert state.worklog_map == {"1:11": "2:21"}
    assert (state.counters.get("worklogs"), state.counters.get("worklog_edits")) == (1, 1)
    action = prepared(SyncWorklogs(), state)
    assert action == SyncWorklogs(KEYS, {"1:11": "2:21"})
    assert prepared(SyncWorklogs(), pairs.pending(T0)) == SyncWorklogs(("", ""), {})


def changed(**kw: Any) -> WorklogChanged:
    base: dict[str, Any] = {"site": 1, "kind": "created", "issue_id": "10001"}
    base |= {"issue_key": "10001", "worklog_id": "11", "actor": ALICE1, "webhook_id": "w-1"}
    return WorklogChanged(**(base | kw))


def test_a_persons_worklog_event_looks_at_the_worklogs_and_the_echo_costs_nothing() -> None:
    pair = pairs.synced(T0)
    looked = worklog_change(changed(), pair, CONFIG, T0)
    assert (looked.actions, looked.events) == ([SyncWorklogs()], [WorklogSeen("w-1", 64)])
    echo = worklog_change(changed(site=2, actor=OURS[2]), pair, CONFIG, T0)
    assert (echo.actions, echo.note) == ([], "echo")
    assert looked.state is not None
    duplicate = worklog_change(changed(), looked.state, CONFIG, T0)
    assert (duplicate.actions, duplicate.note) == ([], "duplicate")
    off = worklog_change(changed(), pair, dataclasses.replace(CONFIG, worklogs=False), T0)
    assert (off.actions, off.events) == ([], [])
    lonely = worklog_change(changed(), pairs.pending(T0), CONFIG, T0)
    assert lonely.actions == []


def issue_change(**kw: Any) -> IssueChanged:
    base: dict[str, Any] = {"site": 1, "kind": "snapshot", "issue_id": "10001"}
    return IssueChanged(**(base | {"issue_key": "PROJ1-1", "values": {}} | kw))


def test_a_snapshot_a_create_and_a_failed_worklog_action_look_at_the_worklogs() -> None:
    pair = pairs.synced(T0)
    seen = ChangeSeen(1, "10001", "PROJ1-1", None, "w-1", 64)
    merged = Decision(pair, [], "in sync", events=[seen])
    assert with_worklogs(issue_change(), pair, merged, CONFIG).actions == [SyncWorklogs()]
    assert with_worklogs(issue_change(kind="updated"), pair, merged, CONFIG).actions == []
    off = dataclasses.replace(CONFIG, worklogs=False)
    assert with_worklogs(issue_change(), pair, merged, off).actions == []
    create = CreateCounterpart(2, "PROJ2", {}, {}, "PROJ1-1")
    making = Decision(pairs.pending(T0), [create], events=[seen])
    made = with_worklogs(issue_change(kind="created"), pairs.pending(T0), making, CONFIG)
    assert made.actions == [create, SyncWorklogs()]
    failure = PairFailure(reason="CopyWorklog on site 2: HTTP 503", retryable=True, at=T0)
    failed = pair.model_copy(update={"failure": failure})
    retry = Decision(failed, [], "in sync")
    assert with_worklogs(Reexamine("retry"), failed, retry, CONFIG).actions == [SyncWorklogs()]
    assert with_worklogs(Reexamine("retry"), pair, Decision(pair), CONFIG).actions == []


def test_decide_routes_a_worklog_event_and_it_survives_the_pair_topic() -> None:
    decision = decide(changed(), pairs.synced(T0), CONFIG, T0)
    assert decision.actions == [SyncWorklogs()]
    assert message_from_json(message_to_json(changed())) == changed()


def test_a_worklog_webhook_becomes_a_change_of_its_issue_by_id() -> None:
    worklog = {"id": "11", "issueId": "10001", "author": {"accountId": ALICE1},
               "updateAuthor": {"accountId": "bob"}}  # fmt: skip
    payload = {"timestamp": 1, "webhookEvent": "worklog_updated", "worklog": worklog}
    envelope = WebhookEnvelope(site=1, webhook_id="w-1", received_at=T0,
                               event_type="worklog_updated", payload=payload)  # fmt: skip
    change = change_from_envelope(envelope, FieldMaps())
    assert change == changed(kind="updated", author=ALICE1, actor="bob")


def test_a_marker_on_someone_elses_worklog_is_no_copy_and_is_not_copied() -> None:
    alices = log("11", ALICE1)
    forged = log("21", "bob-on-2", properties=[
        {"key": WORKLOG_PROPERTY, "value": {"source": "1:11", "digest": "x"}}])  # fmt: skip
    followed = plan([alices], [forged])
    assert followed.facts == []
    assert [type(a).__name__ for a in followed.then] == ["CopyWorklog"]  # alice's, only
