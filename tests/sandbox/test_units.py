"""Pure pieces without a server: JQL, ADF to webhook text, history items, timestamps."""

from __future__ import annotations

import pytest

from sandbox.adf import document, is_valid, to_wiki
from sandbox.catalog import Catalog
from sandbox.clock import ManualClock, Stamper, jira_time
from sandbox.config import SiteConfig
from sandbox.jql import Clause, JqlError, Junction, parse
from sandbox.users import Directory
from sandbox.values import FieldError, Values, history


def test_jql_parses_clauses_junctions_and_order() -> None:
    query = parse('project = P AND (key in (P-1, "P-2") OR updated >= -15m) ORDER BY updated DESC')
    assert isinstance(query.where, Junction)
    assert query.where.kind == "and"
    first = query.where.parts[0]
    assert isinstance(first, Clause)
    assert (first.field, first.operator, first.values[0].text) == ("project", "=", "P")
    assert query.order == (("updated", True),)


@pytest.mark.parametrize("jql", ["project =", "project ! P", "(project = P", "project = P P"])
def test_jql_syntax_errors_are_jira_worded(jql: str) -> None:
    with pytest.raises(JqlError, match=r"^Error in the JQL Query: .*\(line 1, character \d+\)$"):
        parse(jql)


def test_adf_becomes_wiki_text_for_webhooks() -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "bold", "marks": [{"type": "strong"}]},
                {"type": "hardBreak"},
                {"type": "text", "text": "link", "marks": [
                    {"type": "link", "attrs": {"href": "http://x"}}]},
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "item"}]}]},
            ]},
        ],
    }  # fmt: skip
    assert is_valid(doc)
    assert to_wiki(doc) == "*bold*\n[link|http://x]\n\n* item"
    assert to_wiki(document("a\n\nb")) == "a\n\nb"
    assert not is_valid({"type": "doc", "version": 1, "content": [{"type": "text", "text": ""}]})


def _item(text: str, *nested: dict[str, object]) -> dict[str, object]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "listItem", "content": [paragraph, *nested]}


def test_nested_lists_headings_and_code_become_wiki_text_as_jira_writes_them() -> None:
    deeper = {"type": "bulletList", "content": [_item("deeper")]}
    numbered = {"type": "orderedList", "content": [_item("step", deeper)]}
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "T"}]},
            {"type": "bulletList", "content": [_item("top", numbered)]},
            {"type": "codeBlock", "attrs": {"language": "python"},
             "content": [{"type": "text", "text": "x = 1"}]},
        ],
    }  # fmt: skip
    assert is_valid(doc)
    assert to_wiki(doc) == "h2. T\n\n* top\n*# step\n*#* deeper\n\n{code:python}\nx = 1\n{code}"


def test_history_items_for_lists_name_each_element() -> None:
    catalog = Catalog(SiteConfig())
    values = Values(catalog, Directory.for_site(SiteConfig()))
    spec = catalog.fields["components"]
    old = values.parse(spec, [{"name": "Backend"}])
    new = values.parse(spec, [{"name": "Frontend"}])
    items = history(spec, old, new)
    assert [(i.field, i.from_id, i.to_id) for i in items] == [
        ("Component", "10000", None),
        ("Component", None, "10001"),
    ]
    with pytest.raises(FieldError, match="Component name 'Nope' is not valid"):
        values.parse(spec, [{"name": "Nope"}])


def test_stamps_are_strictly_increasing_and_jira_formatted() -> None:
    stamper = Stamper(ManualClock(start=1_704_110_400.0))
    first, second = stamper.now_ms(), stamper.now_ms()
    assert second == first + 1
    assert jira_time(first) == "2024-01-01T12:00:00.000+0000"
    assert jira_time(second) == "2024-01-01T12:00:00.001+0000"
