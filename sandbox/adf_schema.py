"""JIRA's check of an ADF document: which node may hold which, required attributes, marks.

JIRA Cloud validates rich text against the ADF JSON schema
(https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/ , node
reference under .../apis/document/nodes/) and refuses a document that does not fit with
400 ``INVALID_INPUT`` (seen by clients: https://github.com/nguyenvanduocit/jira-mcp/issues/42).
A valid document is stored and returned as given, ``localId``s and all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

INLINE = frozenset(
    {"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard", "mediaInline"}
)
LISTS = frozenset({"bulletList", "orderedList"})
NESTABLE = LISTS | {"paragraph", "codeBlock", "mediaSingle"}
BLOCKS = NESTABLE | {"heading", "blockquote", "panel", "rule", "table", "mediaGroup", "expand"}
CELL = BLOCKS - {"table", "expand"} | {"nestedExpand"}
CHILDREN: dict[str, frozenset[str]] = {
    "doc": BLOCKS | {"blockCard", "embedCard"},
    "paragraph": INLINE,
    "heading": INLINE,
    "bulletList": frozenset({"listItem"}),
    "orderedList": frozenset({"listItem"}),
    "listItem": NESTABLE,
    "codeBlock": frozenset({"text"}),
    "blockquote": NESTABLE | {"mediaGroup"},
    "panel": NESTABLE | {"heading", "mediaGroup", "rule", "blockCard"},
    "table": frozenset({"tableRow"}),
    "tableRow": frozenset({"tableHeader", "tableCell"}),
    "tableHeader": CELL,
    "tableCell": CELL,
    "mediaSingle": frozenset({"media"}),
    "mediaGroup": frozenset({"media"}),
    "expand": BLOCKS - {"expand", "table"} | {"nestedExpand"},
    "nestedExpand": NESTABLE | {"heading", "mediaGroup", "rule", "blockquote", "panel"},
}
LEAVES = frozenset(
    {"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard", "rule", "media"}
    | {"mediaInline", "blockCard", "embedCard"}
)
NOT_EMPTY = frozenset({"bulletList", "orderedList", "listItem", "table", "tableRow"})
NOT_EMPTY |= {"mediaSingle", "mediaGroup", "tableCell", "tableHeader"}
PANEL_TYPES = frozenset({"info", "note", "warning", "success", "error", "custom"})
STATUS_COLOURS = frozenset({"neutral", "purple", "blue", "red", "yellow", "green"})
MEDIA_TYPES = frozenset({"file", "link", "external"})
SIMPLE_MARKS = frozenset({"strong", "em", "code", "strike", "underline"})


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


ATTRS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "heading": lambda a: a.get("level") in range(1, 7),
    "mention": lambda a: _text(a.get("id")),
    "emoji": lambda a: _text(a.get("shortName")),
    "date": lambda a: _text(a.get("timestamp")),
    "status": lambda a: isinstance(a.get("text"), str) and a.get("color") in STATUS_COLOURS,
    "panel": lambda a: a.get("panelType") in PANEL_TYPES,
    "inlineCard": lambda a: _text(a.get("url")) or isinstance(a.get("data"), dict),
    "blockCard": lambda a: _text(a.get("url")) or isinstance(a.get("data"), dict),
    "media": lambda a: a.get("type") in MEDIA_TYPES and (_text(a.get("id")) or _text(a.get("url"))),
    "orderedList": lambda a: "order" not in a or (type(a["order"]) is int and a["order"] >= 0),
}
MARK_ATTRS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "link": lambda a: _text(a.get("href")),
    "textColor": lambda a: _text(a.get("color")),
    "backgroundColor": lambda a: _text(a.get("color")),
    "subsup": lambda a: a.get("type") in {"sub", "sup"},
}


def valid_document(value: dict[str, Any]) -> bool:
    """A document JIRA accepts: version 1, each node where ADF allows it, well formed."""
    content = value.get("content")
    return value.get("version") == 1 and isinstance(content, list) and _fits(value, "doc")


def _fits(node: dict[str, Any], kind: str) -> bool:
    content = node.get("content", [])
    if not isinstance(content, list) or (kind in NOT_EMPTY and not content):
        return False
    allowed = CHILDREN.get(kind, frozenset())
    return all(_valid_node(child, allowed, kind) for child in content)


def _valid_node(node: object, allowed: frozenset[str], parent: str) -> bool:
    if not isinstance(node, dict) or node.get("type") not in allowed:
        return False
    kind = str(node["type"])
    attrs = node.get("attrs", {})
    check = ATTRS.get(kind)
    if not isinstance(attrs, dict) or (check is not None and not check(attrs)):
        return False
    if kind == "text":
        return _valid_text(node, marks_allowed=parent != "codeBlock")
    if "marks" in node and kind not in {"paragraph", "heading"}:
        return False  # block marks (alignment, indentation) only on paragraphs and headings
    if kind in LEAVES:
        return "content" not in node or node["content"] == []
    return _fits(node, kind)


def _valid_text(node: dict[str, Any], *, marks_allowed: bool) -> bool:
    if not _text(node.get("text")):
        return False
    marks = node.get("marks", [])
    if not isinstance(marks, list) or (marks and not marks_allowed):
        return False
    return all(_valid_mark(mark) for mark in marks)


def _valid_mark(mark: object) -> bool:
    if not isinstance(mark, dict):
        return False
    kind, attrs = mark.get("type"), mark.get("attrs", {})
    if not isinstance(attrs, dict):
        return False
    if kind in SIMPLE_MARKS:
        return True
    check = MARK_ATTRS.get(str(kind))
    return check is not None and check(attrs)
