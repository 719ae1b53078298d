"""ADF -> wiki markup -> ADF is lossless for what wiki markup shows (``wiki.shows_all``), and
``losses`` names the rest (pure)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.jira.adf import canonical_adf
from streams.jira.wiki import shows_all, to_wiki
from streams.jira.wiki_parse import from_wiki, losses
from tests.sandbox.adf_documents import ALICE_ID, EVERY_NODE, paragraph, text

Node = dict[str, Any]
# Markup characters of every kind, letters, digits, spaces (a backslash is not: see docs).
LETTERS = "ab Z9é *_-+^~{}[]|!#.:;()?h1q"
CODE_LETTERS = "ab 9*_-[]|!#\n"  # a code block's text is verbatim, up to a closing {code}
MARKS = [{"type": kind} for kind in ("strong", "em", "strike", "code")]
LINKS = [{"type": "link", "attrs": {"href": f"https://example.com/{p}"}} for p in ("a", "b2")]

words = st.text(alphabet=LETTERS, min_size=1, max_size=6)
marks = st.lists(st.sampled_from(MARKS + LINKS), max_size=3, unique_by=lambda m: str(m["type"]))
marked_text = st.builds(lambda value, on: text(value, *on) if on else text(value), words, marks)
mention = st.builds(
    lambda account: {"type": "mention", "attrs": {"id": account}},
    st.sampled_from([ALICE_ID, "557058:0f-9a", "abc"]),
)
card = st.just({"type": "inlineCard", "attrs": {"url": "https://example.com/card"}})
line = st.lists(st.one_of(marked_text, marked_text, mention, card), min_size=1, max_size=4).filter(
    lambda nodes: any(n["type"] != "text" or n["text"].strip() for n in nodes)
)


def _joined(lines: list[list[Node]]) -> list[Node]:
    joined: list[Node] = []
    for index, nodes in enumerate(lines):
        joined += ([{"type": "hardBreak"}] if index else []) + nodes
    return joined


paragraphs = st.builds(
    lambda lines: paragraph(*_joined(lines)), st.lists(line, min_size=1, max_size=3)
)
one_line = st.builds(lambda nodes: paragraph(*nodes), line)
headings = st.builds(
    lambda level, lines: {"type": "heading", "attrs": {"level": level}, "content": _joined(lines)},
    st.integers(1, 6),
    st.lists(line, max_size=2),
)
code_blocks = st.builds(
    lambda language, body: (
        {"type": "codeBlock", "content": [text(body)] if body else []}
        | ({"attrs": {"language": language}} if language else {})
    ),
    st.sampled_from([None, "python", "java"]),
    st.text(alphabet=CODE_LETTERS, max_size=12),
)


def _lists(depth: int) -> st.SearchStrategy[Node]:
    nested = st.just(None) if depth >= 3 else st.none() | _lists(depth + 1)
    item = st.builds(
        lambda own, inner: {"type": "listItem", "content": [own] + ([inner] if inner else [])},
        paragraphs,
        nested,
    )
    return st.builds(
        lambda kind, items: {"type": kind, "content": items},
        st.sampled_from(["bulletList", "orderedList"]),
        st.lists(item, min_size=1, max_size=3),
    )


lists = _lists(1)
quotes = st.builds(
    lambda content: {"type": "blockquote", "content": content},
    st.lists(st.one_of(one_line, one_line, paragraphs, lists, code_blocks), min_size=1, max_size=2),
)
blocks = st.one_of(paragraphs, headings, code_blocks, lists, quotes, st.just({"type": "rule"}))
documents = st.builds(
    lambda content: canonical_adf({"type": "doc", "version": 1, "content": content}),
    st.lists(blocks, min_size=1, max_size=5),
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_every_document_wiki_shows_reads_back_as_itself(document: Node) -> None:
    assert shows_all(document)
    wiki = to_wiki(document)
    assert wiki is not None
    assert canonical_adf(from_wiki(wiki)) == document, wiki
    assert losses(document) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=LETTERS + "\\\n", max_size=40))
def test_reading_any_text_never_fails_keeps_its_letters_and_reads_back(wiki: str) -> None:
    document = canonical_adf(from_wiki(wiki))
    assert document is not None
    shown = re.sub(r"\|[^!\n]*!", "!", wiki)  # an image's options (|thumbnail) are dropped
    shown = re.sub(r"(\[[^]|\n]*\|[^]|\n]*)\|[^]\n]*\]", r"\1]", shown)  # a link's tip too
    letters = {c for c in shown if c.isalnum()} - set("hbq1")  # markers: h1. bq.
    assert letters <= set(_characters(document))
    if shows_all(document) and not losses(document):
        again = canonical_adf(from_wiki(to_wiki(document) or ""))
        assert _without_names(again) == _without_names(document)


def _without_names(node: Any) -> Any:
    """A document without its mentions' display names (JIRA shows the account's)."""
    if not isinstance(node, dict):
        return node
    if node.get("type") == "mention":
        return node | {"attrs": {"id": node["attrs"]["id"]}}
    return node | {"content": [_without_names(c) for c in node.get("content") or []]}


def _characters(node: Node) -> str:
    holders = [node, *(node.get("marks") or [])]
    attrs = "".join(str(v) for one in holders for v in (one.get("attrs") or {}).values())
    own = str(node.get("text", "")) + attrs
    return own + "".join(_characters(child) for child in node.get("content") or [])


def test_a_mentions_display_name_is_the_accounts_and_no_loss() -> None:
    named = {"type": "mention", "attrs": {"id": ALICE_ID, "text": "@Alice", "accessLevel": ""}}
    document = canonical_adf({"type": "doc", "version": 1, "content": [paragraph(named)]})
    assert canonical_adf(from_wiki(to_wiki(document) or "")) == {
        "type": "doc",
        "version": 1,
        "content": [paragraph({"type": "mention", "attrs": {"id": ALICE_ID}})],
    }
    assert losses(document) == []


def test_losses_name_what_wiki_markup_cannot_carry() -> None:
    assert losses(EVERY_NODE) == [
        "underline",
        "emoji (kept as its short name)",
        "date (kept as text)",
        "status lozenge colour (its text is kept)",
        "superscript and subscript",
        "text colour",
        "numbered list starting at 3",
        "panel type and colour",
        "image size and layout",
    ]
    assert losses(None) == []


def test_layouts_wiki_markup_has_no_form_for_are_losses() -> None:
    item = {"type": "listItem", "content": [paragraph(text("a")), paragraph(text("b"))]}
    code_item = {"type": "listItem", "content": [paragraph(text("a")), {"type": "codeBlock"}]}
    cell = {"type": "tableCell", "content": [paragraph(text("a")), paragraph(text("b"))]}
    wide = {"type": "tableCell", "attrs": {"colspan": 2}, "content": [paragraph(text("a"))]}
    document = {"type": "doc", "version": 1, "content": [
        {"type": "bulletList", "content": [item, code_item]},
        {"type": "table", "content": [{"type": "tableRow", "content": [cell, wide]}]},
        paragraph(text("  ")),
        paragraph(text("a"), {"type": "hardBreak"}),
        {"type": "expand", "attrs": {"title": "More"}, "content": [paragraph(text("x"))]},
        {"type": "taskList", "content": []},
    ]}  # fmt: skip
    assert losses(document) == [
        "several paragraphs in a list item",
        "code block in a list item",
        "several blocks in a table cell",
        "merged or coloured table cells",
        "empty paragraph",
        "empty line in a paragraph",
        "expand (collapsible section) and its title",
        "task list checkboxes",
    ]


def test_a_table_without_layout_reads_back_and_a_panel_keeps_its_content() -> None:
    table, panel = EVERY_NODE["content"][3], EVERY_NODE["content"][5]
    document = canonical_adf({"type": "doc", "version": 1, "content": [table, panel]})
    assert losses(document) == ["panel type and colour"]
    [table_again, panel_again] = (canonical_adf(from_wiki(to_wiki(document) or "")) or {})[
        "content"
    ]
    assert table_again == (document or {})["content"][0]
    assert panel_again == {"type": "panel", "attrs": {"panelType": "info"},
                           "content": [paragraph(text("Mind"))]}  # fmt: skip
