"""Rich text as the sync carries it (``streams.sync.documents``, pure): a document round
trip through the field mapping, canonical comparison, mentions with and without an account
on the other side, media of files the other side lacks, and a webhook's wiki text compared
with the agreed document (never written)."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

from sandbox.adf import to_wiki as emulator_wiki
from streams.jira.adf import canonical_adf
from streams.jira.models import Comment
from streams.jira.wiki import shows_all, to_wiki
from streams.settings import ConflictPolicy
from streams.sync import comments
from streams.sync.comment_actions import CopyComment, FindCopy, UpdateCopy
from streams.sync.copy_policy import after_search
from streams.sync.documents import agrees, canonical_document, for_site
from streams.sync.facts import CommentCopied
from streams.sync.fields import FieldMaps, UserMap, canonical, render
from streams.sync.merge import Sides, merge
from streams.sync.messages import Fetch, IssueChanged, SyncConfig
from streams.sync.model import decide
from streams.sync.running import Followed
from tests.jira.test_rich_text import RICH
from tests.sandbox.adf_documents import ALICE_ID, EVERY_NODE, paragraph, text
from tests.unit.sync.pairs import synced

ALICE_2 = "557058:alice-on-site-2"
MAPS = FieldMaps(users=UserMap({ALICE_ID: ALICE_2}))
T0 = datetime(2026, 12, 1, tzinfo=UTC)
MEDIA = EVERY_NODE["content"][-1]
WITHOUT_MEDIA = {**EVERY_NODE, "content": EVERY_NODE["content"][:-1]}
# What wiki markup shows entirely (``wiki.shows_all``): only such a document can agree
# with a webhook's text; any change to it changes the text.
SHOWN = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [text("Overview")]},
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "bold ", "marks": [{"type": "strong"}]},
                {"type": "text", "text": "see "},
                {"type": "text", "text": "the spec", "marks": [
                    {"type": "link", "attrs": {"href": "https://example.com/spec"}}]},
                {"type": "hardBreak"},
                {"type": "mention", "attrs": {"id": ALICE_ID, "text": "@Alice"}},
                {"type": "text", "text": " x", "marks": [{"type": "code"}]},
            ],
        },
        {"type": "bulletList", "content": [{"type": "listItem", "content": [
            paragraph(text("outer")),
            {"type": "bulletList", "content": [{"type": "listItem", "content": [
                paragraph(text("inner"))]}]},
        ]}]},
        {"type": "codeBlock", "attrs": {"language": "python"}, "content": [text("print(1)")]},
        {"type": "blockquote", "content": [paragraph(text("quoted"))]},
        {"type": "rule"},
    ],
}  # fmt: skip


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def mention(account: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": account, "text": f"@{name}"}}


def mentions(node: dict[str, Any]) -> list[str]:
    own = [node["attrs"]["id"]] if node.get("type") == "mention" else []
    return own + [m for child in node.get("content") or [] for m in mentions(child)]


def test_a_rich_document_round_trips_through_the_mapping_unchanged() -> None:
    values = canonical(1, {"description": WITHOUT_MEDIA}, MAPS)
    rendered = render(2, values, MAPS)
    written = rendered.fields["description"]
    assert rendered.held == {}
    assert rendered.problems == {}
    assert mentions(written) == [ALICE_2]  # the same person's account on site 2
    assert canonical(2, {"description": written}, MAPS) == values  # site 2 means the same
    back = render(1, canonical(2, {"description": written}, MAPS), MAPS).fields["description"]
    assert canonical_adf(back) == canonical_adf(WITHOUT_MEDIA)  # marks, table, panel... kept
    kinds = {node["type"] for node in _nodes(written)}
    assert {"heading", "table", "codeBlock", "panel", "blockquote", "emoji", "date"} <= kinds
    assert {"status", "orderedList", "rule", "mention", "hardBreak"} <= kinds


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("content") or [] for n in _nodes(child))]


def test_jira_normalisations_are_no_change() -> None:
    stored = copy.deepcopy(WITHOUT_MEDIA)
    stored["content"][1]["content"][0:1] = [text("bo", {"type": "strong"}), text("ld ", *[])]
    stored["content"][1]["content"][0]["marks"] = [{"type": "strong"}]
    stored["content"][1]["content"][1]["marks"] = [{"type": "strong"}]
    stored["content"][0]["attrs"]["localId"] = "h-1"
    stored["content"][3]["attrs"] = {"layout": "default", "isNumberColumnEnabled": False}
    assert canonical(1, {"description": stored}, MAPS) == canonical(
        1, {"description": WITHOUT_MEDIA}, MAPS
    )
    bolder = copy.deepcopy(WITHOUT_MEDIA)
    bolder["content"][0]["attrs"]["level"] = 3
    assert canonical(1, {"description": bolder}, MAPS) != canonical(
        1, {"description": WITHOUT_MEDIA}, MAPS
    )
    assert canonical(1, {"description": doc()}, MAPS) == {"description": None}


def test_a_person_without_an_account_on_the_other_side_becomes_plain_text() -> None:
    carol = doc(paragraph(text("ask "), mention("712020:carol", "Carol"), text(" or ")),
                paragraph(mention(ALICE_ID, "Alice")))  # fmt: skip
    rendered = render(2, canonical(1, {"description": carol}, MAPS), MAPS)
    written = rendered.fields["description"]
    assert written["content"][0] == paragraph(text("ask @Carol or "))  # notifies nobody
    assert mentions(written) == [ALICE_2]
    held = rendered.held["description"]
    assert held == canonical(2, {"description": written}, MAPS)["description"]
    assert "@Carol" in rendered.problems["description"]


def test_a_site_2_person_stays_themselves_on_site_2_and_is_text_on_site_1() -> None:
    dave = doc(paragraph(mention("557058:dave", "Dave")))
    value = canonical_document(2, dave, MAPS.users)
    assert mentions(value or {}) == ["site2:557058:dave"]  # site 1 vocabulary: unknown there
    assert mentions(for_site(2, value, MAPS.users).document or {}) == ["557058:dave"]
    on_one = for_site(1, value, MAPS.users)
    assert on_one.document == doc(paragraph(text("@Dave")))
    assert on_one.lost == ("@Dave",)


def test_a_file_the_other_side_lacks_becomes_a_paragraph_naming_it() -> None:
    value = canonical_document(1, doc(MEDIA), MAPS.users)
    rendered = render(2, {"description": value}, MAPS)
    assert rendered.fields["description"] == doc(paragraph(text("[screenshot.png]")))
    assert "[screenshot.png]" in rendered.problems["description"]
    assert rendered.held["description"] == rendered.fields["description"]
    assert render(1, {"description": value}, MAPS).fields["description"] == value  # its own
    theirs = canonical_document(2, doc(MEDIA), MAPS.users)
    assert theirs != value  # a site 2 file is not the site 1 file of the same id
    assert for_site(2, theirs, MAPS.users).document == canonical_adf(doc(MEDIA))
    assert for_site(1, theirs, MAPS.users).lost == ("[screenshot.png]",)


def test_the_engines_wiki_rendering_is_the_webhooks() -> None:
    for document in (EVERY_NODE, RICH, WITHOUT_MEDIA):
        assert to_wiki(document) == emulator_wiki(document)


def test_a_webhooks_wiki_text_agrees_only_with_the_document_it_shows() -> None:
    base = canonical_document(1, SHOWN, MAPS.users)
    on_two = for_site(2, base, MAPS.users).document
    wiki = canonical(2, {"description": emulator_wiki(on_two)}, MAPS)["description"]
    assert isinstance(wiki, str)
    assert wiki.startswith("h2. Overview")
    assert agrees(2, wiki, base, MAPS.users)
    assert not agrees(1, wiki, base, MAPS.users)  # site 1 names Alice by her site 1 id
    italic = copy.deepcopy(on_two)
    italic["content"][1]["content"][0]["marks"] = [{"type": "em"}]
    assert not agrees(2, emulator_wiki(italic), base, MAPS.users)
    assert agrees(1, "Plain", "Plain", MAPS.users)  # an older pair's text base: as it is
    assert not agrees(1, None, base, MAPS.users)


def test_webhook_wiki_text_of_the_agreed_document_costs_no_read_else_both_are_read() -> None:
    base = canonical_document(1, SHOWN, MAPS.users)
    pair = synced(T0).model_copy(update={"base": {"summary": "Rich", "description": base}})
    config = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, maps=MAPS)
    on_two = to_wiki(for_site(2, base, MAPS.users).document)
    echo = IssueChanged(2, "updated", "20001", "PROJ2-1",
                        {"summary": "Rich", "description": on_two}, T0, "w-1")  # fmt: skip
    assert decide(echo, pair, config, T0).actions == []
    edited = dataclasses.replace(
        echo, values={"summary": "Rich", "description": on_two.replace("h2.", "h3.")}
    )
    reads = decide(dataclasses.replace(edited, webhook_id="w-2"), pair, config, T0).actions
    assert reads == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]


def test_text_never_agrees_with_a_document_holding_what_the_text_cannot_show() -> None:
    """A status lozenge's colour, an underline, a panel's type, a table's layout: a change
    to them leaves the wiki text as it was, so such a document is always read."""
    base = canonical_document(1, WITHOUT_MEDIA, MAPS.users)
    on_two = for_site(2, base, MAPS.users).document
    assert not agrees(2, emulator_wiki(on_two), base, MAPS.users)
    lozenge = {"type": "status", "attrs": {"text": "DONE", "color": "green"}}
    with_lozenge = doc({"type": "paragraph", "content": [text("state "), lozenge]})
    assert not shows_all(with_lozenge)
    assert not agrees(1, to_wiki(with_lozenge), with_lozenge, MAPS.users)
    assert shows_all(SHOWN)
    assert not shows_all(doc({"type": "orderedList", "attrs": {"order": 3}, "content": []}))
    assert shows_all(doc({"type": "orderedList", "attrs": {"order": 1}, "content": []}))


# --- comment copies: the attribution header as ADF, then the original as it was written --


ORIGINAL = Comment(
    id="10010",
    body=doc(*WITHOUT_MEDIA["content"], paragraph(text("cc "), mention("712020:carol", "Carol"))),
    author={"displayName": "Al"},
    created="2026-12-01T10:30:00.000+0000",
)


def test_a_comment_copy_is_the_header_then_the_original_document() -> None:
    body = comments.copy_body(ORIGINAL, "1:10010", "PROJ1-1", MAPS.users)
    header, *content = body["content"]
    assert header == paragraph(
        text("Al wrote on PROJ1-1 (site 1) at 2026-12-01 10:30 UTC [jira-sync 1:10010]:")
    )
    assert doc(*content) == canonical_adf(for_site(2, canonical_document(
        1, ORIGINAL.body, MAPS.users), MAPS.users).document)  # fmt: skip
    assert mentions(body) == [ALICE_2]  # Alice named by her site 2 account, Carol as text
    assert content[-1] == paragraph(text("cc @Carol"))
    assert comments.is_copy_of(Comment(id="20001", body=body), "1:10010")
    nobody_known = comments.copy_body(ORIGINAL, "1:10010", "PROJ1-1")
    assert mentions(nobody_known) == []  # without a user map every mention is plain text


def test_a_lost_copy_found_that_means_the_same_is_recorded_not_written_again() -> None:
    body = comments.copy_body(ORIGINAL, "1:10010", "PROJ1-1", MAPS.users)
    stored = copy.deepcopy(body)
    stored["content"][1]["attrs"]["localId"] = "jira-gave-it"  # JIRA's own additions
    asked = CopyComment(1, "PROJ1-1", "10010", 2, "PROJ2-1", pending=True)
    found = after_search(FindCopy(asked, body), Comment(id="20007", body=stored))
    assert found == Followed([CommentCopied("1:10010", "2:20007")])
    edited = copy.deepcopy(body)
    edited["content"][1]["attrs"]["level"] = 4
    again = after_search(FindCopy(asked, body), Comment(id="20007", body=edited))
    assert again.then == [UpdateCopy(asked, "20007", body, found=True)]


def test_a_pair_agreed_on_plain_text_before_sees_no_change_in_formatting_alone() -> None:
    bold = doc(paragraph(text("Paper jam", {"type": "strong"})))
    plain = doc(paragraph(text("Paper jam")))
    values = {s: canonical(s, {"description": d}, MAPS) for s, d in ((1, bold), (2, plain))}
    sides = Sides(values=values, updated={1: T0, 2: T0}, origin=1)
    base = {"description": "Paper jam"}  # what such a pair agreed on: the plain text
    quiet = merge(("description",), base, sides, ConflictPolicy.MANUAL)
    assert (quiet.writes, quiet.conflicts) == ({1: {}, 2: {}}, {})
    edited = canonical(2, {"description": doc(paragraph(text("Paper jam, tray 2")))}, MAPS)
    moved = Sides(values={**values, 2: edited}, updated={1: T0, 2: T0}, origin=1)
    after_edit = merge(("description",), base, moved, ConflictPolicy.MANUAL)
    assert after_edit.writes[1] == edited
    assert after_edit.conflicts == {}
