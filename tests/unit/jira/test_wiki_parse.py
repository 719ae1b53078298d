"""JIRA wiki markup read as ADF (``streams.jira.wiki_parse.from_wiki``, pure): each construct
of JIRA's notation from hand-written text, and malformed text read as text, never raised."""

from __future__ import annotations

from typing import Any

import pytest

from streams.jira.adf import canonical_adf, remap_media, remap_mentions
from streams.jira.wiki import to_wiki
from streams.jira.wiki_parse import ATTACHMENT, USERNAME, from_wiki
from tests.sandbox.adf_documents import item, paragraph, text

Node = dict[str, Any]
BREAK = {"type": "hardBreak"}
STRONG, EM = {"type": "strong"}, {"type": "em"}


def read(wiki: str) -> list[Node]:
    document = canonical_adf(from_wiki(wiki))
    assert document is not None
    return list(document.get("content") or [])


def inline(wiki: str) -> list[Node]:
    [only] = read(wiki)
    assert only["type"] == "paragraph"
    return list(only.get("content") or [])


def test_paragraphs_and_line_breaks() -> None:
    assert read("one\ntwo\\\\three\n\n\n\nnext") == [
        paragraph(text("one"), BREAK, text("two"), BREAK, text("three")),
        paragraph(text("next")),
    ]
    assert from_wiki("") == {"type": "doc", "version": 1, "content": []}


@pytest.mark.parametrize("level", range(1, 7))
def test_headings(level: int) -> None:
    assert read(f"h{level}. Title *now*\nbody") == [
        {"type": "heading", "attrs": {"level": level},
         "content": [text("Title "), text("now", STRONG)]},
        paragraph(text("body")),
    ]  # fmt: skip


def test_what_only_looks_like_a_heading_is_text() -> None:
    assert read("h7. no\n\nh1.none") == [paragraph(text("h7. no")), paragraph(text("h1.none"))]


@pytest.mark.parametrize(
    ("wiki", "mark"),
    [
        ("*x y*", STRONG),
        ("_x y_", EM),
        ("-x y-", {"type": "strike"}),
        ("+x y+", {"type": "underline"}),
        ("^x y^", {"type": "subsup", "attrs": {"type": "sup"}}),
        ("~x y~", {"type": "subsup", "attrs": {"type": "sub"}}),
        ("{{x y}}", {"type": "code"}),
        ("{color:#ff5630}x y{color}", {"type": "textColor", "attrs": {"color": "#ff5630"}}),
        ("{color:red}x y{color}", {"type": "textColor", "attrs": {"color": "#ff0000"}}),
        ("{*}x y{*}", STRONG),
    ],
)
def test_text_effects(wiki: str, mark: Node) -> None:
    assert inline(f"a {wiki} b") == [text("a "), text("x y", mark), text(" b")]


def test_phrases_inside_words_need_braces_and_nest() -> None:
    assert inline("snake_case_name 2026-01-01 a*b*c") == [text("snake_case_name 2026-01-01 a*b*c")]
    assert inline("un{*}bold{*}ed *_both_*") == [
        text("un"), text("bold", STRONG), text("ed "), text("both", EM, STRONG)]  # fmt: skip
    assert inline("a * not* *not *") == [text("a * not* *not *")]
    assert inline("{color:nosuch}x{color}") == [text("x")]  # an unknown colour: plain text


def test_links_cards_and_mentions() -> None:
    href = {"type": "link", "attrs": {"href": "https://example.com/a"}}
    assert inline("see [the *spec*|https://example.com/a] or [https://example.com/b]") == [
        text("see "),
        text("the ", href),
        text("spec", href, STRONG),
        text(" or "),
        {"type": "inlineCard", "attrs": {"url": "https://example.com/b"}},
    ]
    assert inline("[~accountid:557058:ab-1] [~jsmith]") == [
        {"type": "mention", "attrs": {"id": "557058:ab-1"}},
        text(" "),
        {"type": "mention", "attrs": {"id": USERNAME + "jsmith", "text": "@jsmith"}},
    ]


def test_a_user_name_mention_is_remapped_by_the_caller() -> None:
    document = from_wiki("[~jsmith] and [~gone]")
    mapped = remap_mentions(document, {USERNAME + "jsmith": "712020:john"})
    assert canonical_adf(mapped) == {"type": "doc", "version": 1, "content": [paragraph(
        {"type": "mention", "attrs": {"id": "712020:john", "text": "@jsmith"}},
        text(" and @gone"))]}  # fmt: skip


def test_bullet_numbered_nested_and_mixed_lists() -> None:
    wiki = "* one\n** deeper\n*# numbered\nstill numbered\n* two\n# other list\n- dash"
    deeper = {"type": "bulletList", "content": [item(paragraph(text("deeper")))]}
    numbered = {"type": "orderedList", "content": [
        item(paragraph(text("numbered"), BREAK, text("still numbered")))]}  # fmt: skip
    assert read(wiki) == [
        {"type": "bulletList", "content": [
            item(paragraph(text("one")), deeper, numbered), item(paragraph(text("two")))]},
        {"type": "orderedList", "content": [item(paragraph(text("other list")))]},
        {"type": "bulletList", "content": [item(paragraph(text("dash")))]},
    ]  # fmt: skip


def test_a_list_ends_at_a_blank_line_and_a_deep_first_item_has_an_empty_parent() -> None:
    assert read("# a\n\n# b") == [
        {"type": "orderedList", "content": [item(paragraph(text("a")))]},
        {"type": "orderedList", "content": [item(paragraph(text("b")))]},
    ]
    [deep] = read("** x")
    assert deep["content"][0]["content"][0] == {"type": "paragraph"}
    assert deep["content"][0]["content"][1]["type"] == "bulletList"


def cell(kind: str, *content: Node) -> Node:
    return {"type": kind, "content": [paragraph(*content) if content else {"type": "paragraph"}]}


def test_tables() -> None:
    href = {"type": "link", "attrs": {"href": "https://x.example"}}
    assert read("||Name||Link||\n|a|[x|https://x.example]|\n|*b*| |") == [{
        "type": "table",
        "content": [
            {"type": "tableRow", "content": [
                cell("tableHeader", text("Name")), cell("tableHeader", text("Link"))]},
            {"type": "tableRow", "content": [
                cell("tableCell", text("a")), cell("tableCell", text("x", href))]},
            {"type": "tableRow", "content": [
                cell("tableCell", text("b", STRONG)), cell("tableCell")]},
        ],
    }]  # fmt: skip


def test_code_and_noformat_blocks_are_verbatim() -> None:
    body = "def f():\n\n    return *x*"
    assert read("{code:python}\n" + body + "\n{code}\nafter") == [
        {"type": "codeBlock", "attrs": {"language": "python"}, "content": [text(body)]},
        paragraph(text("after")),
    ]
    assert read("{code:title=A.java|language=java}x{code}") == [
        {"type": "codeBlock", "attrs": {"language": "java"}, "content": [text("x")]}
    ]
    assert read("{noformat}\n*raw* [x]\n{noformat}") == [
        {"type": "codeBlock", "content": [text("*raw* [x]")]}
    ]


def test_quotes_panels_and_rules() -> None:
    assert read("bq. one\nbq. two\n\n{quote}\n* in\n\ntext\n{quote}\n----") == [
        {"type": "blockquote", "content": [paragraph(text("one")), paragraph(text("two"))]},
        {"type": "blockquote", "content": [
            {"type": "bulletList", "content": [item(paragraph(text("in")))]},
            paragraph(text("text"))]},
        {"type": "rule"},
    ]  # fmt: skip
    assert read("{panel:title=Mind|borderStyle=dashed}\nCareful\n{panel}") == [
        {"type": "panel", "attrs": {"panelType": "info"},
         "content": [paragraph(text("Mind", STRONG)), paragraph(text("Careful"))]}
    ]  # fmt: skip


def media(name: str) -> Node:
    attrs = {"type": "file", "id": ATTACHMENT + name, "alt": name}
    return {"type": "media", "attrs": attrs}


def test_images_name_their_attachment_for_the_caller_to_point_at_the_file() -> None:
    assert read("!a.png!\n\n!b.png|thumbnail! !c.log!\n\n!https://x.example/i.png!") == [
        {"type": "mediaSingle", "content": [media("a.png")]},
        {"type": "mediaGroup", "content": [media("b.png"), media("c.log")]},
        {"type": "mediaSingle", "content": [
            {"type": "media", "attrs": {"type": "external", "url": "https://x.example/i.png"}}]},
    ]  # fmt: skip
    pointed = remap_media(from_wiki("!a.png!\n\n!gone.png!"), {ATTACHMENT + "a.png": "f-1"})
    assert canonical_adf(pointed) == {"type": "doc", "version": 1, "content": [
        {"type": "mediaSingle", "content": [
            {"type": "media", "attrs": {"type": "file", "id": "f-1", "alt": "a.png"}}]},
        paragraph(text("[gone.png]"))]}  # fmt: skip


def test_emoticons_jira_documents_and_dates_stay_text() -> None:
    smile = {"shortName": ":slight_smile:", "id": "1f642", "text": "🙂"}
    assert inline("ok :) (y) (!) 2026-12-01 f:)") == [
        text("ok "),
        {"type": "emoji", "attrs": smile},
        text(" "),
        {"type": "emoji", "attrs": {"shortName": ":thumbsup:", "id": "1f44d", "text": "👍"}},
        text(" "),
        {"type": "emoji", "attrs": {"shortName": ":warning:", "id": "26a0", "text": "⚠️"}},
        text(" 2026-12-01 f:)"),
    ]


def test_a_backslash_escapes_markup_only() -> None:
    assert inline("\\*not bold\\* \\[x] \\{{y}} C:\\Users\\me") == [
        text("*not bold* [x] {{y}} C:\\Users\\me")
    ]


@pytest.mark.parametrize(
    "wiki",
    ["{code}\nx = 1", "{quote}\nquoted", "{panel}", "{noformat}x", "{color:red}x",
     "[ without", "[~]", "[|]", "a | stray | bar", "|", "||", "*unclosed", "!", "!a",
     "{{code", "{*}x", "h1.", "bq.", "* ", "#", "\\", "x\\"],
)  # fmt: skip
def test_malformed_markup_is_text_never_an_error(wiki: str) -> None:
    document = from_wiki(wiki)
    assert document["type"] == "doc"
    letters = {c for c in wiki if c.isalnum()} - set("hbq1")
    shown = "".join(n.get("text", "") for p in document["content"] for n in p.get("content", []))
    assert letters <= set(shown) or wiki in ("h1.", "bq.")


def test_an_unclosed_code_fence_is_its_text() -> None:
    assert read("{code}\nx = 1") == [paragraph(text("{code}"), BREAK, text("x = 1"))]
    assert inline("[ without") == [text("[ without")]
    assert inline("a | stray | bar") == [text("a | stray | bar")]


def test_to_wiki_escapes_what_would_read_as_markup_and_no_more() -> None:
    document = {"type": "doc", "version": 1, "content": [
        paragraph(text("* not a list, *not bold*, a - b, well-known, [x] :)")),
        paragraph(text("bold ", STRONG), text("in"), text("side", STRONG), text("d")),
        {"type": "heading", "attrs": {"level": 1}, "content": [text("a"), BREAK, text("b")]},
        {"type": "blockquote", "content": [
            {"type": "bulletList", "content": [item(paragraph(text("x")))]}]},
    ]}  # fmt: skip
    assert to_wiki(document) == (
        "\\* not a list, \\*not bold\\*, a - b, well-known, \\[x\\] \\:)\n\n"
        "{*}bold {*}in{*}side{*}d\n\n"
        "h1. a\\\\b\n\n"
        "{quote}\n* x\n{quote}"
    )
    assert canonical_adf(from_wiki(to_wiki(document) or "")) == canonical_adf(document)


def test_markup_nested_thousands_deep_or_never_closing_is_read_without_error() -> None:
    deep = "{*}{_}{+}" * 2000 + "x" + "{+}{_}{*}" * 2000  # a mark is never nested in itself
    assert "x" in "".join(n.get("text", "") for n in inline(deep))
    assert inline("*_+x+_*") == [text("x", EM, STRONG, {"type": "underline"})]
    openers = "*a " * 5000  # no phrase closes: all text
    assert inline(openers) == [text(openers)]
    assert inline("[" * 5000 + "]") == [text("[" * 5000 + "]")]
