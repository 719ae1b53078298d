"""Atlassian Document Format, as far as the emulator needs it.

REST v3 reads and writes ADF; webhooks carry rich text as a wiki-style plain string,
so deliveries convert with ``to_wiki``. ``is_document`` is JIRA's coarse shape check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.adf_schema import valid_document

MARKS = {"strong": "*{}*", "em": "_{}_", "code": "{{{{{}}}}}", "strike": "-{}-"}
BLOCK_JOIN = "\n\n"
BRACED = {"strong": "{{*}}{}{{*}}", "em": "{{_}}{}{{_}}", "strike": "{{-}}{}{{-}}"}
LISTS = {"bulletList": "*", "orderedList": "#"}


def document(text: str) -> dict[str, Any]:
    """One paragraph per blank-line separated block (seeding, tests)."""
    blocks = [block for block in text.split(BLOCK_JOIN) if block]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": block}]} for block in blocks
        ],
    }


def looks_like_document(value: object) -> bool:
    """An object that claims to be an ADF document (else: "must be an Atlassian Document")."""
    return isinstance(value, dict) and value.get("type") == "doc"


def is_valid(value: dict[str, Any]) -> bool:
    """A claimed document that fits ADF's schema (else JIRA answers ``INVALID_INPUT``):
    ``sandbox.adf_schema``."""
    return valid_document(value)


def to_wiki(doc: dict[str, Any] | None) -> str | None:
    """The plain/wiki string JIRA puts in webhook bodies for a rich text value."""
    if doc is None:
        return None
    return BLOCK_JOIN.join(_block(node) for node in doc.get("content", []))


def _block(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind in LISTS:
        return _list(node, "")
    if kind == "heading":
        return f"h{node.get('attrs', {}).get('level', 1)}. {_inline(node)}"
    if kind == "codeBlock":
        language = node.get("attrs", {}).get("language")
        return f"{{code{':' + language if language else ''}}}\n{_inline(node)}\n{{code}}"
    if kind == "blockquote":
        return "\n".join(f"bq. {_block(child)}" for child in node.get("content", []))
    if kind == "rule":
        return "----"
    if kind == "table":
        return "\n".join(_row(row) for row in node.get("content", []))
    if kind in {"panel", "expand", "nestedExpand"}:
        inner = BLOCK_JOIN.join(_block(child) for child in node.get("content", []))
        return f"{{panel}}\n{inner}\n{{panel}}"
    if kind in {"mediaSingle", "mediaGroup"}:
        return " ".join(_media(child) for child in node.get("content", []))
    return _inline(node)


def _row(row: dict[str, Any]) -> str:
    """``||header||`` and ``|cell|``, as JIRA's wiki markup writes table rows."""
    cells = row.get("content", [])
    parts = []
    for cell in cells:
        bar = "||" if cell.get("type") == "tableHeader" else "|"
        parts.append(bar + " ".join(_block(child) for child in cell.get("content", [])))
    closing = "||" if cells and cells[-1].get("type") == "tableHeader" else "|"
    return "".join(parts) + closing


def _media(node: dict[str, Any]) -> str:
    attrs = node.get("attrs", {})
    return f"!{attrs.get('alt') or attrs.get('id') or attrs.get('url', '')}|thumbnail!"


def _list(node: dict[str, Any], outer: str) -> str:
    """Nested lists as JIRA writes them: ``** deeper``, ``#* a bullet in a numbered list``."""
    marker = outer + LISTS[str(node.get("type"))]
    lines: list[str] = []
    for item in node.get("content", []):
        children = item.get("content", [])
        text = "\n".join(_block(c) for c in children if c.get("type") not in LISTS)
        lines.append(f"{marker} {text}")
        lines += [_list(c, marker) for c in children if c.get("type") in LISTS]
    return "\n".join(lines)


def _inline(node: dict[str, Any]) -> str:
    """Marked text beside a letter or digit, or with spaces at its edges, takes JIRA's
    braced form (``{*}bold {*}``): the plain one would not read as marked."""
    children = node.get("content", [])
    loose = [_leaf(child) for child in children]
    shown = []
    for index, child in enumerate(children):
        beside = "".join(loose[:index])[-1:] + "".join(loose[index + 1 :])[:1]
        shown.append(_leaf(child, any(c.isalnum() for c in beside)))
    return "".join(shown)


def _leaf(node: dict[str, Any], tight: bool = False) -> str:
    kind, attrs = node.get("type"), node.get("attrs", {})
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return f"[~accountid:{attrs.get('id', '')}]"
    if kind == "date":
        return _date(attrs.get("timestamp"))
    if kind in {"emoji", "status"}:
        return str(attrs.get("shortName") or attrs.get("text") or "")
    if kind == "inlineCard":
        return f"[{attrs.get('url', '')}]"
    if kind != "text":
        return _inline(node)
    return _marked(str(node.get("text", "")), node.get("marks", []), tight)


def _marked(text: str, marks: list[dict[str, Any]], tight: bool) -> str:
    known = [mark for mark in marks if mark.get("type") in MARKS or mark.get("type") == "link"]
    for index, mark in enumerate(known):
        kind = mark.get("type")
        if kind == "link":
            text = f"[{text}|{mark.get('attrs', {}).get('href', '')}]"
            continue
        edges = not text or text[0].isspace() or text[-1].isspace()
        braced = kind != "code" and (edges or (tight and index == len(known) - 1))
        text = (BRACED if braced else MARKS)[str(kind)].format(text)
    return text


def _date(timestamp: object) -> str:
    try:
        return datetime.fromtimestamp(int(str(timestamp)) / 1000, UTC).date().isoformat()
    except ValueError:
        return str(timestamp)
