"""Webhook wiki text that can mean only plain paragraphs, as that document (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.jira.adf import text_to_adf
from streams.jira.wiki import to_wiki
from streams.sync.documents import plain


@pytest.mark.parametrize(
    "text",
    ["Changed in one edit (3).", "Two words", "One.\n\nTwo, three; four & 5% = $6 'x' \"y\""],
)
def test_plain_words_are_their_paragraphs(text: str) -> None:
    assert plain(text) == text_to_adf(text)


@pytest.mark.parametrize(
    "text",
    [
        "*bold*",
        "_italic_ words",
        "snake_case",
        "-struck-",
        "+under+",
        "x^2^",
        "a line\nbroken",
        "[a link|https://example.com]",
        "[~accountid:123]",
        "see https://example.com",
        "!image.png!",
        "{code}x{code}",
        "| a | b |",
        "# one",
        "h1. Title",
        "Intro\n\nbq. quoted",
        "thumbs (y)",
        "done (/)",
        "wink ;)",
        ":smile:",
        "??cite??",
        "two  spaces",
        " leading",
        "a\n\n\n\nb",
        "mail@example.com",
        "back\\slash",
    ],
)
def test_text_markup_could_give_meaning_to_is_not_taken(text: str) -> None:
    assert plain(text) is None


@given(st.text(alphabet="ab .,;'()&%=\n", min_size=1, max_size=40))
def test_a_plain_document_renders_back_to_its_text(text: str) -> None:
    document = plain(text)
    if document is not None:
        assert to_wiki(document) == text
