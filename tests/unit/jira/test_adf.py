"""ADF <-> plain text: lossless for paragraphs, line breaks and lists; documented losses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.jira.adf import adf_to_text, normalize_text, text_to_adf

LOSSLESS = [
    "One line",
    "First paragraph\n\nSecond paragraph",
    "Line one\nline two of the same paragraph",
    "Intro\n* apples\n* pears\nAfter the list",
    "# first\n# second\n# third",
    "Mixed\n* bullet\n# numbered",
    "ends with a break\n",
]


@pytest.mark.parametrize("text", LOSSLESS)
def test_round_trip_is_lossless(text: str) -> None:
    assert adf_to_text(text_to_adf(text)) == text


def test_paragraphs_and_lists_have_adf_shape() -> None:
    document = text_to_adf("Hello\n* a\n* b")
    assert document == {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Hello"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "a"}]}
                        ],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "b"}]}
                        ],
                    },
                ],
            },
        ],
    }


def test_empty_text_is_an_empty_field() -> None:
    assert text_to_adf("") is None
    assert text_to_adf(None) is None
    assert adf_to_text(None) is None
    assert adf_to_text({"type": "doc", "version": 1, "content": []}) is None


def test_lossy_parts_keep_their_text() -> None:
    document = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "heading",
                "attrs": {"level": 1},
                "content": [{"type": "text", "text": "Title"}],
            },
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "bold", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": " and "},
                    {"type": "mention", "attrs": {"id": "abc", "text": "@Ada Lovelace"}},
                    {"type": "emoji", "attrs": {"shortName": ":smile:"}},
                ],
            },
            {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "x"}}]},
            {"type": "codeBlock", "content": [{"type": "text", "text": "print(1)"}]},
        ],
    }
    assert adf_to_text(document) == "Title\n\nbold and @Ada Lovelace:smile:\n\nprint(1)"


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="*#"),
            min_size=1,
        ).filter(lambda line: line.strip() == line and line),
        min_size=1,
        max_size=6,
    )
)
def test_any_plain_lines_survive(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert adf_to_text(text_to_adf(text)) == text


def test_normalisation_of_blank_lines_around_lists() -> None:
    assert normalize_text("Intro\n\n* a\n\n\nNext") == "Intro\n* a\nNext"
    assert normalize_text("a\n\n\n\nb") == "a\n\nb"


@given(st.text(alphabet="ab *#\n", max_size=40))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
