"""The canonical ADF form the merge compares, and mentions mapped between sites (pure)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streams.jira.adf import canonical_adf, remap_media, remap_mentions
from tests.sandbox.adf_documents import ALICE_ID, EVERY_NODE, paragraph, text


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def test_local_ids_defaults_and_empty_lists_carry_no_meaning() -> None:
    jira_side = doc(
        {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default", "localId": "abc"},
            "content": [
                {
                    "type": "tableRow",
                    "content": [
                        {
                            "type": "tableCell",
                            "attrs": {"colspan": 1, "rowspan": 1, "colwidth": None},
                            "content": [{"type": "paragraph", "content": [text("a")], "marks": []}],
                        }
                    ],
                }
            ],
        },
        {"type": "orderedList", "attrs": {"order": 1}, "content": [
            {"type": "listItem", "content": [paragraph(text("x", *[]))]}]},
        {"type": "paragraph", "content": []},
    )  # fmt: skip
    cell = {"type": "tableCell", "content": [paragraph(text("a"))]}
    row = {"type": "tableRow", "content": [cell]}
    listed = {"type": "listItem", "content": [paragraph(text("x"))]}
    written = doc(
        {"type": "table", "content": [row]},
        {"type": "orderedList", "content": [listed]},
        {"type": "paragraph"},
    )
    assert canonical_adf(jira_side) == canonical_adf(written)


def test_adjacent_text_with_equal_marks_is_one_run_and_marks_are_a_set() -> None:
    bold, em = {"type": "strong"}, {"type": "em"}
    split = doc(paragraph(text("Hel", bold, em), text("lo", em, bold), text(""), text(" you")))
    whole = doc(paragraph(text("Hello", bold, em), text(" you")))
    assert canonical_adf(split) == canonical_adf(whole)
    assert canonical_adf(whole) == doc(
        paragraph({"type": "text", "text": "Hello", "marks": [em, bold]}, text(" you"))
    )


def test_what_carries_meaning_still_differs() -> None:
    link = {"type": "link", "attrs": {"href": "https://a.example"}}
    other = {"type": "link", "attrs": {"href": "https://b.example"}}
    assert canonical_adf(doc(paragraph(text("x", link)))) != canonical_adf(
        doc(paragraph(text("x", other)))
    )
    assert canonical_adf(doc(paragraph(text("a"), text("b", {"type": "strong"})))) != (
        canonical_adf(doc(paragraph(text("ab"))))
    )
    ordered = {"type": "orderedList", "attrs": {"order": 3}, "content": [
        {"type": "listItem", "content": [paragraph(text("x"))]}]}  # fmt: skip
    assert canonical_adf(doc(ordered)) != canonical_adf(doc(ordered | {"attrs": {}}))
    assert canonical_adf(EVERY_NODE) != canonical_adf(doc(*EVERY_NODE["content"][:-1]))


def test_canonical_form_is_idempotent_and_leaves_its_input_alone() -> None:
    before = copy.deepcopy(EVERY_NODE)
    once = canonical_adf(EVERY_NODE)
    assert canonical_adf(once) == once
    assert before == EVERY_NODE
    assert canonical_adf(None) is None


@given(st.lists(st.tuples(st.text(min_size=0, max_size=4), st.booleans()), max_size=8))
def test_splitting_text_into_runs_never_changes_the_canonical_form(
    runs: list[tuple[str, bool]],
) -> None:
    bold = {"type": "strong"}
    nodes = [text(value, bold) if strong else text(value) for value, strong in runs]
    merged: list[dict[str, Any]] = []
    for value, strong in runs:
        if value and merged and ("marks" in merged[-1]) == strong:
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + value}
        elif value:
            merged.append(text(value, bold) if strong else text(value))
    assert canonical_adf(doc(paragraph(*nodes))) == canonical_adf(doc(paragraph(*merged)))


def _mention(account_id: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": account_id, "text": name, "localId": "m1"}}


def test_mentions_map_to_the_other_sides_account_or_become_plain_text() -> None:
    source = doc(
        paragraph(
            text("Ask "), _mention(ALICE_ID, "@Alice"), text(" and "), _mention("gone", "@Bob")
        )
    )
    before = copy.deepcopy(source)
    mapped = remap_mentions(source, {ALICE_ID: "557058:alice-there"})
    assert mapped == doc(
        paragraph(
            text("Ask "),
            {"type": "mention", "attrs": {"id": "557058:alice-there", "text": "@Alice"}},
            text(" and "),
            text("@Bob"),
        )
    )
    assert source == before
    assert canonical_adf(mapped) == doc(
        paragraph(
            text("Ask "),
            {"type": "mention", "attrs": {"id": "557058:alice-there", "text": "@Alice"}},
            text(" and @Bob"),
        )
    )


def test_mentions_deep_in_the_document_are_mapped_and_nameless_ones_stay_readable() -> None:
    nameless = {"type": "mention", "attrs": {"id": "x"}}
    table = {"type": "table", "content": [{"type": "tableRow", "content": [
        {"type": "tableCell", "content": [paragraph(nameless)]}]}]}  # fmt: skip
    mapped = remap_mentions(doc(table, *EVERY_NODE["content"]), {ALICE_ID: "there"})
    assert mapped is not None
    assert mapped["content"][0]["content"][0]["content"][0]["content"][0]["content"] == [
        text("@Unknown user")
    ]
    assert mapped["content"][2]["content"][5]["attrs"]["id"] == "there"
    assert remap_mentions(None, {}) is None


def _media(file_id: str, alt: str | None = None, kind: str = "file") -> dict[str, Any]:
    attrs: dict[str, Any] = {"id": file_id, "type": kind, "collection": "jira-10001"}
    if alt:
        attrs["alt"] = alt
    return {"type": "media", "attrs": attrs}


def test_media_point_at_the_copied_file_and_a_file_not_copied_is_named() -> None:
    source = doc(
        {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [_media("a", "a.png")]},
        {"type": "mediaGroup", "content": [_media("b", "b.log"), _media("c", "c.txt")]},
        {"type": "mediaSingle", "content": [_media("gone", "secret.pdf")]},
        {"type": "mediaSingle", "content": [_media("https://x.example/i.png", kind="external")]},
        {"type": "table", "content": [{"type": "tableRow", "content": [{"type": "tableCell",
         "content": [{"type": "mediaSingle", "content": [_media("a")]}]}]}]},
    )  # fmt: skip
    before = copy.deepcopy(source)
    mapped = remap_media(source, {"a": "A", "b": "B"})
    assert source == before
    assert mapped is not None
    single, group, gone, external, table = mapped["content"]
    assert single["content"][0]["attrs"] == {
        "id": "A",
        "type": "file",
        "collection": "",
        "alt": "a.png",
    }
    assert single["attrs"] == {"layout": "center"}
    assert [m["attrs"]["id"] for m in group["content"]] == ["B"]
    assert gone == paragraph(text("[secret.pdf]"))
    assert external == source["content"][3]
    cell = table["content"][0]["content"][0]["content"][0]
    assert cell["content"][0]["attrs"]["id"] == "A"
    assert remap_media(doc(paragraph(text("x"))), {}) == doc(paragraph(text("x")))
    assert remap_media(None, {}) is None
