"""The attachment plan (pure): what both issues' listings and the pair's map call for, the
mapping file's rules, and when a step looks at the attachments at all."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from streams.jira.models import Attachment
from streams.records import WebhookEnvelope
from streams.state import PairFailure
from streams.sync.attachment_actions import (
    AttachmentRules,
    AttachmentsListed,
    CompareFiles,
    CopyAttachment,
    DeleteAttachment,
    FindMedia,
    SyncAttachments,
    UploadRefused,
)
from streams.sync.attachment_facts import AttachmentCopied, AttachmentUnmapped
from streams.sync.attachment_plan import TOO_LARGE, after, planned
from streams.sync.attachment_wiring import with_attachments
from streams.sync.decision import Decision
from streams.sync.events import fold
from streams.sync.facts import Warned
from streams.sync.fields import FieldMaps
from streams.sync.messages import CreateCounterpart, IssueChanged, Reexamine, SyncConfig
from streams.sync.model import decide
from streams.sync.normalize import change_from_envelope, change_from_json, change_to_json
from streams.sync.running import prepared
from streams.sync.settled import ChangeSeen
from tests.unit.sync import pairs

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEYS = ("PROJ1-1", "PROJ2-1")
ALL = AttachmentRules(enabled=True)
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, attachments=ALL)
OURS = "sync-account"


def file(id_: str, name: str, size: int = 10, mime: str | None = "text/plain") -> Attachment:
    return Attachment.model_validate({"id": id_, "filename": name, "size": size, "mimeType": mime})


def sync(known: dict[str, str] | None = None, media: set[str] | None = None) -> SyncAttachments:
    """The action as prepared from a pair that knows ``known`` (and, unless ``media`` says
    otherwise, the media ids of each)."""
    known = known or {}
    return SyncAttachments(KEYS, known, frozenset(known if media is None else media))


def listed(one: list[Attachment], two: list[Attachment]) -> AttachmentsListed:
    return AttachmentsListed(one, two)


def test_a_new_file_on_either_side_is_copied_to_the_other() -> None:
    chosen = planned(sync(), listed([file("11", "a.txt")], [file("21", "b.png", 7, None)]), ALL)
    assert chosen.facts == []
    assert chosen.then == [
        CopyAttachment(1, "11", "a.txt", 10, "text/plain", 2, "PROJ2-1"),
        CopyAttachment(2, "21", "b.png", 7, "application/octet-stream", 1, "PROJ1-1"),
    ]


def test_a_copy_is_never_copied_back_and_known_files_cost_nothing() -> None:
    chosen = planned(sync({"1:11": "2:21"}), listed([file("11", "a")], [file("21", "a")]), ALL)
    assert (chosen.facts, chosen.then) == ([], [])


def test_a_file_of_the_same_name_and_size_on_the_target_is_compared_before_taken() -> None:
    """The copy of a step that died before recording it, the same file added on both
    sides, or another file (two screenshots of one size): their hashes tell
    (``test_attachment_compare``); a different size is another file, copied at once."""
    one = [file("11", "a.txt", 10), file("12", "b.txt", 10)]
    two = [file("21", "a.txt", 10), file("22", "b.txt", 11)]
    chosen = planned(sync(), listed(one, two), ALL)
    assert chosen.facts == []
    copy = CopyAttachment(1, "11", "a.txt", 10, "text/plain", 2, "PROJ2-1")
    assert chosen.then[0] == CompareFiles(copy, "2:21")
    assert [(c.source, c.site) for c in chosen.then if isinstance(c, CopyAttachment)] == [
        ("1:12", 2),
        ("2:22", 1),
    ]
    assert not any(isinstance(c, FindMedia) for c in chosen.then)  # asked once taken


def test_the_media_ids_of_a_file_and_its_copy_are_asked_until_known() -> None:
    """Rich text names files by media id: a pair whose ids are not known (asking failed
    when the copy was made, or the pair is older than media ids) asks for them; not for a
    file whose copy is gone."""
    one, two = [file("11", "a"), file("12", "b")], [file("21", "a"), file("22", "b")]
    known = {"1:11": "2:21", "1:12": "2:22", "2:23": "1:13"}
    chosen = planned(sync(known, media={"1:12"}), listed(one, two), ALL)
    assert chosen.then == [FindMedia("1:11", "2:21")]


def test_an_original_deleted_on_its_side_deletes_its_copy() -> None:
    chosen = planned(sync({"1:11": "2:21"}), listed([], [file("21", "a")]), ALL)
    assert chosen.then == [DeleteAttachment(2, "21", "1:11")]


def test_a_copy_deleted_stays_deleted_and_nothing_is_copied_again() -> None:
    chosen = planned(sync({"1:11": "2:21"}), listed([file("11", "a")], []), ALL)
    assert (chosen.facts, chosen.then) == ([], [])


def test_both_gone_leave_the_map_and_a_file_left_out_for_good_stays_out() -> None:
    known = {"1:11": "2:21", "2:22": "1:"}  # 2:22 was refused by site 1 (413)
    gone = planned(sync(known), listed([], [file("22", "big")]), ALL)
    assert (gone.facts, gone.then) == ([AttachmentUnmapped("1:11")], [])
    both_gone = planned(sync({"2:22": "1:"}), listed([], []), ALL)
    assert both_gone.facts == [AttachmentUnmapped("2:22")]


def test_the_rules_leave_files_out_by_name_and_warn_about_size() -> None:
    rules = AttachmentRules(True, max_bytes=100, include=("*.PDF", "*.txt"), exclude=("secret*",))
    one = [file("11", "a.pdf", 100), file("12", "b.exe"), file("13", "secret.txt")]
    one.append(file("14", "c.txt", 101))
    chosen = planned(sync(), listed(one, []), rules)
    assert [c.source for c in chosen.then if isinstance(c, CopyAttachment)] == ["1:11"]
    assert [(f.code, f.field) for f in chosen.facts if isinstance(f, Warned)] == [
        (TOO_LARGE, "1:14")
    ]
    assert "c.txt" in chosen.facts[0].message  # type: ignore[attr-defined]


def test_a_file_the_target_refuses_as_too_large_is_a_warning_and_left_out() -> None:
    copy = CopyAttachment(2, "21", "wide.txt", 800, "text/plain", 1, "PROJ1-1")
    chosen = after(copy, UploadRefused("HTTP 413"), CONFIG)
    assert chosen.facts[1] == AttachmentCopied("2:21", "1:")
    assert isinstance(chosen.facts[0], Warned)
    assert chosen.facts[0].code == TOO_LARGE
    assert chosen.then == []


def test_the_map_is_a_fold_of_the_facts_and_prepared_into_the_action() -> None:
    pair = pairs.synced(T0)
    facts = [AttachmentCopied("1:11", "2:21", "ab", 3), AttachmentCopied("2:22", "1:12")]
    state = fold(pair, [*facts, AttachmentUnmapped("1:11")], T0)
    assert state is not None
    assert state.attachment_map == {"2:22": "1:12"}
    assert state.counters.get("attachments") == 1  # one streamed, one found
    action = prepared(SyncAttachments(), state)
    assert isinstance(action, SyncAttachments)
    assert action.known == {"2:22": "1:12"}
    assert action.keys == (state.site1.key, state.site2.key)  # type: ignore[union-attr]


def change(**kw: object) -> IssueChanged:
    base: dict[str, object] = {"site": 1, "kind": "updated", "issue_id": "10001"}
    base |= {"issue_key": "PROJ1-1", "values": {}}
    return IssueChanged(**(base | kw))  # type: ignore[arg-type]


def seen_decision(pair: object) -> Decision:
    seen = ChangeSeen(1, "10001", "PROJ1-1", None, "w-1", 64)
    return Decision(pair, [], "in sync", events=[seen])  # type: ignore[arg-type]


def test_a_step_looks_at_attachments_when_a_person_changed_files() -> None:
    pair = pairs.synced(T0)
    config = dataclasses.replace(CONFIG, integration_accounts={1: OURS})
    looked = with_attachments(change(attachments=True), pair, seen_decision(pair), config)
    assert looked.actions == [SyncAttachments()]
    echo = change(attachments=True, actor=OURS)  # our own upload coming back
    assert with_attachments(echo, pair, seen_decision(pair), config).actions == []
    plain = change()
    assert with_attachments(plain, pair, seen_decision(pair), config).actions == []
    snapshot = change(kind="snapshot")
    assert with_attachments(snapshot, pair, seen_decision(pair), config).actions == [
        SyncAttachments()
    ]
    delivered = pair.model_copy(update={"recent_webhook_ids": ["w-1"]})
    again = change(attachments=True, webhook_id="w-1")
    assert (
        with_attachments(again, delivered, Decision(delivered, [], "duplicate"), config).actions
        == []
    )
    late = change(attachments=True, webhook_id="w-0")  # a newer change was merged first
    stale = Decision(delivered, [], "stale")
    assert with_attachments(late, delivered, stale, config).actions == [SyncAttachments()]
    off = dataclasses.replace(config, attachments=AttachmentRules())
    assert with_attachments(change(attachments=True), pair, seen_decision(pair), off).actions == []


def test_a_counterpart_made_and_a_failed_copy_retried_look_at_attachments() -> None:
    pair = pairs.pending(T0)
    create = CreateCounterpart(2, "PROJ2", {}, {}, "PROJ1-1")
    making = dataclasses.replace(seen_decision(pair), actions=[create])
    made = with_attachments(change(kind="snapshot"), pair, making, CONFIG)
    assert made.actions == [create, SyncAttachments()]
    remade = with_attachments(Reexamine("retry"), pair, making, CONFIG)
    assert remade.actions == [create, SyncAttachments()]
    plain = with_attachments(change(kind="created"), pair, making, CONFIG)
    assert plain.actions == [create, SyncAttachments()]  # made from a fresh read of it
    first = change(kind="created", text_read=True)  # the router's read listed no files
    assert with_attachments(first, pair, making, CONFIG).actions == [create]
    listed = change(kind="created", text_read=True, attachments=True)
    assert with_attachments(listed, pair, making, CONFIG).actions == [create, SyncAttachments()]
    failure = PairFailure(reason="CopyAttachment on site 2: HTTP 503", retryable=True, at=T0)
    failed = pairs.synced(T0).model_copy(update={"failure": failure})
    retry = Decision(failed, [], "in sync")
    assert with_attachments(Reexamine("retry"), failed, retry, CONFIG).actions == [
        SyncAttachments()
    ]
    calm = pairs.synced(T0)
    assert with_attachments(Reexamine("retry"), calm, Decision(calm), CONFIG).actions == []


def test_decide_adds_the_look_after_an_attachment_webhook() -> None:
    pair = pairs.synced(T0)
    values = {name: pair.base.get(name) for name in CONFIG.synced() if name in pair.base}
    decision = decide(change(values=values, attachments=True, webhook_id="w-9"), pair, CONFIG, T0)
    assert decision.actions[-1:] == [SyncAttachments()]


def test_the_attachments_flag_survives_the_pair_topic() -> None:
    flagged = change(attachments=True)
    assert change_from_json(change_to_json(flagged)) == flagged
    assert "attachments" not in change_to_json(change())


def envelope(event: str, items: list[dict[str, str]], files: list[object]) -> WebhookEnvelope:
    issue = {"id": "10001", "key": "PROJ1-1", "fields": {"summary": "S", "attachment": files}}
    payload = {"timestamp": 1, "webhookEvent": event, "issue": issue, "changelog": {"items": items}}
    return WebhookEnvelope(
        site=1, webhook_id="w-1", received_at=T0, event_type=event, payload=payload
    )


def test_a_webhook_says_files_changed_by_its_attachment_items() -> None:
    added = {"field": "Attachment", "fieldId": "attachment", "to": "10007", "toString": "a.txt"}
    summary = {"field": "summary", "fieldId": "summary", "toString": "S"}
    listed = [{"id": "10007", "filename": "a.txt", "size": 1}]

    def flag(event: str, items: list[dict[str, str]], files: list[object]) -> bool:
        found = change_from_envelope(envelope(event, items, files), FieldMaps())
        assert isinstance(found, IssueChanged)
        return found.attachments

    assert flag("jira:issue_updated", [added], listed)
    assert not flag("jira:issue_updated", [summary], listed)  # an edit of an issue with files
    assert flag("jira:issue_created", [], listed)
    assert not flag("jira:issue_created", [], [])
