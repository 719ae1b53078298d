"""Atlassian Document Format (ADF): its canonical form, mentions and media mapped between
sites, and plain text <-> ADF.

The sync carries rich text as ADF documents and compares them in canonical form
(``canonical_adf``; ``streams.sync.documents``). Plain text is for the rest: text written
by tests and the sandbox's demo, the marker of a comment copy found by its text, and
values of pairs made before rich text travelled as ADF (``text_to_adf``/``adf_to_text``).
Webhooks carry rich text as wiki markup (``streams.jira.wiki``); REST v3 reads and writes ADF.

Lossless in both directions: paragraphs (separated by blank lines), line breaks inside a
paragraph, bullet lists (``* item``) and numbered lists (``# item``), one level deep, written
directly under the line before them. Normalised: runs of blank lines become one, and a list
is always joined to its neighbours by a single newline. ``normalize_text`` applies exactly
these rules and is idempotent, so the sync compares texts from both sides in that form.

Lossy, ADF -> text: marks (bold, italic, code, links keep only their text), headings and
block quotes become plain paragraphs, code blocks keep their text, mentions become
``@Display Name``, emoji their short name, media and other unknown nodes are dropped,
nested lists are flattened, tables become one line per row with cells joined by `` | ``.
"""

from __future__ import annotations

import re
from typing import Any

Node = dict[str, Any]
LIST_ITEM = re.compile(r"^([*#])\s+(.*)$")
LIST_TYPES = {"*": "bulletList", "#": "orderedList"}
LIST_MARKERS = {kind: marker for marker, kind in LIST_TYPES.items()}


def text_to_adf(text: str | None) -> Node | None:
    """A plain/wiki string as an ADF document; None and "" stay None (an empty field)."""
    if not text:
        return None
    blocks = [block for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if block]
    content: list[Node] = []
    for block in blocks:
        content += _block_to_nodes(block)
    return {"type": "doc", "version": 1, "content": content}


def adf_to_text(document: Node | str | None) -> str | None:
    """An ADF document as a plain/wiki string; strings pass through unchanged."""
    if document is None or isinstance(document, str):
        return document or None
    text = ""
    previous = None
    for node in document.get("content") or []:
        block = _block_text(node)
        if not block:
            continue
        if text:
            touching_list = node.get("type") in LIST_MARKERS or previous in LIST_MARKERS
            text += "\n" if touching_list else "\n\n"
        text += block
        previous = node.get("type")
    return text or None


def normalize_text(text: str | None) -> str | None:
    """The form a text has after a trip through ADF (what the other side will show)."""
    return adf_to_text(text_to_adf(text))


def _block_to_nodes(block: str) -> list[Node]:
    nodes: list[Node] = []
    lines = block.split("\n")
    paragraph: list[str] = []
    for line in lines:
        match = LIST_ITEM.match(line)
        if match is None:
            paragraph.append(line)
            continue
        if paragraph:
            nodes.append(_paragraph(paragraph))
            paragraph = []
        _append_item(nodes, LIST_TYPES[match.group(1)], match.group(2))
    if paragraph:
        nodes.append(_paragraph(paragraph))
    return nodes


def _append_item(nodes: list[Node], kind: str, text: str) -> None:
    if not nodes or nodes[-1]["type"] != kind:
        nodes.append({"type": kind, "content": []})
    nodes[-1]["content"].append({"type": "listItem", "content": [_paragraph([text])]})


def _paragraph(lines: list[str]) -> Node:
    content: list[Node] = []
    for index, line in enumerate(lines):
        if index:
            content.append({"type": "hardBreak"})
        if line:
            content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}


def _block_text(node: Node) -> str:
    kind = node.get("type")
    if kind in LIST_MARKERS:
        marker = LIST_MARKERS[kind]
        return "\n".join(f"{marker} {_inline(item)}" for item in node.get("content") or [])
    if kind == "table":
        return "\n".join(_row_text(row) for row in node.get("content") or [])
    if kind in ("mediaSingle", "mediaGroup", "media", "rule"):
        return ""
    return _inline(node)


def _row_text(row: Node) -> str:
    return " | ".join(_inline(cell) for cell in row.get("content") or [])


def _inline(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        name = str(attrs.get("text") or attrs.get("id") or "")
        return name if name.startswith("@") else f"@{name}"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str(attrs.get("url", ""))
    separator = "\n" if kind in ("listItem", "blockquote", "panel", "tableCell") else ""
    parts = [_inline(child) for child in node.get("content") or []]
    return separator.join(part for part in parts if part) if separator else "".join(parts)


# Attribute values JIRA fills in or leaves out with the same meaning (ADF node reference,
# https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/): compared as absent.
ATTR_DEFAULTS: dict[str, dict[str, Any]] = {
    "orderedList": {"order": 1},
    "mediaSingle": {"layout": "center"},
    "table": {"isNumberColumnEnabled": False, "layout": "default"},
    "tableCell": {"colspan": 1, "rowspan": 1},
    "tableHeader": {"colspan": 1, "rowspan": 1},
    "mention": {"accessLevel": "", "userType": "DEFAULT"},
    "media": {"collection": ""},
    "codeBlock": {"language": ""},
    "status": {"style": ""},
}
NO_MEANING = frozenset({"localId"})  # ids the editor or JIRA assigns to nodes and marks


def canonical_adf(document: Node | None) -> Node | None:
    """The form two documents are compared in for the merge: equal when they mean the same.

    Drops ``localId``s, ``None`` and default attribute values, empty ``attrs``/``marks``/
    ``content``, and empty text; sorts marks (a set in ADF); merges adjacent text nodes with
    equal marks. Pure and idempotent; the input is not changed."""
    if document is None:
        return None
    return {"type": "doc", "version": 1, "content": _canonical_children(document)}


def _canonical_children(node: Node) -> list[Node]:
    merged: list[Node] = []
    for child in node.get("content") or []:
        canonical = _canonical(child)
        if canonical is None:
            continue
        previous = merged[-1] if merged else None
        if previous is not None and _same_run(previous, canonical):
            previous["text"] += canonical["text"]
        else:
            merged.append(canonical)
    return merged


def _same_run(one: Node, two: Node) -> bool:
    return one["type"] == two["type"] == "text" and one.get("marks") == two.get("marks")


def _canonical(node: Node) -> Node | None:
    kind = str(node.get("type"))
    if kind == "text" and not node.get("text"):
        return None
    out: Node = {"type": kind}
    attrs = _canonical_attrs(kind, node.get("attrs"))
    if attrs:
        out["attrs"] = attrs
    if kind == "text":
        out["text"] = str(node["text"])
    marks = sorted(
        (_canonical_mark(mark) for mark in node.get("marks") or []),
        key=lambda mark: (mark["type"], repr(sorted(mark.get("attrs", {}).items()))),
    )
    if marks:
        out["marks"] = marks
    content = _canonical_children(node)
    if content:
        out["content"] = content
    return out


def _canonical_mark(mark: Node) -> Node:
    out: Node = {"type": str(mark.get("type"))}
    attrs = _canonical_attrs(out["type"], mark.get("attrs"))
    if attrs:
        out["attrs"] = attrs
    return out


def _canonical_attrs(kind: str, attrs: Any) -> dict[str, Any]:
    defaults = ATTR_DEFAULTS.get(kind, {})
    return {
        name: value
        for name, value in sorted((attrs or {}).items())
        if name not in NO_MEANING and value is not None and defaults.get(name, ...) != value
    }


def remap_mentions(document: Node | None, accounts: dict[str, str]) -> Node | None:
    """``document`` with each mention's ``accountId`` mapped through ``accounts`` (this
    side's id -> the other side's); a mention of someone with no account there becomes the
    plain text ``@Name``, which notifies nobody. Pure; the input is not changed."""
    if document is None:
        return None
    return _remapped(document, accounts)


def _remapped(node: Node, accounts: dict[str, str]) -> Node:
    if node.get("type") == "mention":
        attrs = dict(node.get("attrs") or {})
        mapped = accounts.get(str(attrs.get("id", "")))
        if mapped is None:
            name = str(attrs.get("text") or "Unknown user").removeprefix("@")
            return {"type": "text", "text": f"@{name}"}
        attrs.pop("localId", None)
        return {**node, "attrs": attrs | {"id": mapped}}
    if "content" not in node:
        return dict(node)
    return {**node, "content": [_remapped(child, accounts) for child in node["content"] or []]}


MEDIA_BLOCKS = frozenset({"mediaSingle", "mediaGroup"})


def remap_media(document: Node | None, files: dict[str, str]) -> Node | None:
    """``document`` with each file media node pointing at the copy on the other side:
    ``files`` maps this side's media file id to the other's (``JiraClient.media_id`` of
    each attachment and its copy). A file that was not copied cannot be shown there: its
    block becomes a paragraph naming it (``[screenshot.png]``). Pure."""
    if document is None:
        return None
    return _with_media(document, files)


def _with_media(node: Node, files: dict[str, str]) -> Node:
    if "content" not in node:
        return _media_inline(node, files)
    content: list[Node] = []
    for child in node["content"] or []:
        if child.get("type") in MEDIA_BLOCKS:
            content.append(_media_block(child, files))
        else:
            content.append(_with_media(child, files))
    return {**node, "content": content}


def _media_block(block: Node, files: dict[str, str]) -> Node:
    kept, missing = [], []
    for media in block.get("content") or []:
        moved = _moved(media, files)
        if moved is None:
            missing.append(_media_name(media))
        else:
            kept.append(moved)
    if kept:
        return {**block, "content": kept}
    return {"type": "paragraph", "content": [{"type": "text", "text": " ".join(missing)}]}


def _media_inline(node: Node, files: dict[str, str]) -> Node:
    if node.get("type") != "mediaInline":
        return dict(node)
    moved = _moved(node, files)
    return moved if moved is not None else {"type": "text", "text": _media_name(node)}


def _moved(media: Node, files: dict[str, str]) -> Node | None:
    attrs = dict(media.get("attrs") or {})
    if attrs.get("type") not in ("file", None) or "id" not in attrs:
        return dict(media)  # a link or an external image: the URL works on both sides
    other = files.get(str(attrs["id"]))
    if other is None:
        return None
    attrs.pop("localId", None)
    return {**media, "attrs": attrs | {"id": other, "collection": ""}}


def _media_name(media: Node) -> str:
    attrs = media.get("attrs") or {}
    return f"[{attrs.get('alt') or attrs.get('id') or 'attachment'}]"
