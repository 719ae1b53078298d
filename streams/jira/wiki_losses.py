"""What an ADF document holds that does not survive wiki markup (``wiki.to_wiki`` and
``wiki_parse.from_wiki``), each as a short phrase, so a pair of a Cloud site (ADF) and a
Data Center site (wiki markup) can name what one side cannot keep.

From what ``wiki.shows_all`` knows: a node, attribute or mark the rendering does not show is
lost (a panel's type, a status lozenge's colour, underline, text colour). Also what the
rendering shows only as text (emoji as their short name, dates as the day, a status as its
text) and the layouts wiki markup has no form for (a second paragraph or a code block in a
list item, several blocks in a table cell, an empty paragraph). A mention's display name is
not a loss: JIRA shows the account's name. An empty list: nothing is lost.
"""

from __future__ import annotations

from typing import Any

from streams.jira.adf import canonical_adf
from streams.jira.wiki import SHOWN_ATTRS, SHOWN_MARKS

Node = dict[str, Any]
NODES = {
    "panel": "panel type and colour",
    "expand": "expand (collapsible section) and its title",
    "nestedExpand": "expand (collapsible section) and its title",
    "status": "status lozenge colour (its text is kept)",
    "emoji": "emoji (kept as its short name)",
    "date": "date (kept as text)",
    "table": "table layout, widths and cell colours",
    "mediaSingle": "image size and layout",
    "mediaGroup": "image size and layout",
    "media": "image size and layout",
    "mediaInline": "inline file",
    "taskList": "task list checkboxes",
    "decisionList": "decision list",
    "blockCard": "link card",
    "embedCard": "link card",
}
MARKS = {
    "underline": "underline",
    "textColor": "text colour",
    "subsup": "superscript and subscript",
    "backgroundColor": "text highlight",
    "alignment": "alignment",
    "indentation": "indentation",
    "annotation": "inline comments",
    "border": "image border",
}
# Node types whose children render as text only when the table shows them: not a loss.
TABLE_PARTS = frozenset({"tableRow", "tableCell", "tableHeader"})
DERIVED = frozenset({"mention"})  # attributes JIRA fills in from the account
# Rendered, but without these attributes (a file is named, ``wiki_parse.ATTACHMENT``).
SHOWN_WITHOUT = {
    "table": frozenset(),
    "mediaSingle": frozenset(),
    "mediaGroup": frozenset(),
    "media": frozenset({"id", "type", "collection", "alt", "url"}),
}


def losses(document: Node | None) -> list[str]:
    """What of ``document`` wiki markup cannot carry, in the order it first appears."""
    found: list[str] = []
    canonical = canonical_adf(document)
    for node in _nodes(canonical) if canonical else []:
        for phrase in _node_losses(node) + [_mark_loss(m) for m in node.get("marks") or []]:
            if phrase and phrase not in found:
                found.append(phrase)
    return found


def _nodes(node: Node) -> list[Node]:
    """``node`` and all below it (a code block's text is its own: verbatim)."""
    if node.get("type") == "codeBlock":
        return [node]
    return [node, *(n for child in node.get("content") or [] for n in _nodes(child))]


def _node_losses(node: Node) -> list[str]:
    kind = str(node.get("type"))
    attrs = set(node.get("attrs") or {})
    if kind == "orderedList":
        start = (node.get("attrs") or {}).get("order", 1)
        return [f"numbered list starting at {start}"] if start != 1 else []
    if kind in TABLE_PARTS:
        return _cell_losses(node)
    if kind in SHOWN_WITHOUT:
        return [NODES[kind]] if attrs - SHOWN_WITHOUT[kind] else []
    if kind not in SHOWN_ATTRS or (attrs - SHOWN_ATTRS[kind] and kind not in DERIVED):
        return [NODES.get(kind, f"{kind} (text only)")]
    if kind == "listItem":
        return _item_losses(node)
    if kind == "paragraph":
        return _paragraph_losses(node)
    return _text_losses(node)


def _text_losses(node: Node) -> list[str]:
    """Text that reads as markup whatever ``to_wiki`` does."""
    if node.get("type") == "text" and "\\" in str(node.get("text")):
        return ["backslash in text (it reads as an escape or a line break)"]
    verbatim = "".join(str(c.get("text")) for c in node.get("content") or [])
    if node.get("type") == "codeBlock" and "{code}" in verbatim:
        return ["{code} inside a code block"]
    return []


def _cell_losses(node: Node) -> list[str]:
    if node.get("attrs"):
        return ["merged or coloured table cells"]
    blocks = node.get("content") or []
    if node.get("type") != "tableRow" and len(blocks) > 1:
        return ["several blocks in a table cell"]
    return []


def _item_losses(item: Node) -> list[str]:
    own = [c for c in item.get("content") or [] if c.get("type") not in LIST_KINDS]
    if any(c.get("type") != "paragraph" for c in own):
        return ["code block in a list item"]
    return ["several paragraphs in a list item"] if len(own) > 1 else []


LIST_KINDS = frozenset({"bulletList", "orderedList"})


def _paragraph_losses(paragraph: Node) -> list[str]:
    """A paragraph's lines (between its line breaks) with nothing but spaces in them are
    blank lines in wiki markup: they end the paragraph."""
    lines: list[bool] = [False]
    for child in paragraph.get("content") or []:
        if child.get("type") == "hardBreak":
            lines.append(False)
        elif child.get("type") != "text" or str(child.get("text", "")).strip():
            lines[-1] = True
    if all(lines):
        return []
    return ["empty paragraph"] if len(lines) == 1 else ["empty line in a paragraph"]


def _mark_loss(mark: Node) -> str | None:
    kind = str(mark.get("type"))
    if kind in SHOWN_MARKS and not set(mark.get("attrs") or {}) - SHOWN_MARKS[kind]:
        return None
    return MARKS.get(kind, f"{kind} mark")
