"""ADF as JIRA's wiki markup: the form webhooks carry rich text in.

A webhook's description (or paragraph custom field) is not ADF but JIRA's wiki rendering of
it (``h2. Title``, ``*bold*``, ``[text|url]``, ``[~accountid:...]``, ``||head||``). The
engine never writes that text anywhere; it only asks whether a webhook's text is what the
agreed document looks like in wiki markup (``streams.sync.documents.agrees``). Equal: the
webhook reports no change of that field (an echo of our own write dies without a read).
Different, for any reason (a real edit, or JIRA rendering something differently from this
module): the issue is read through REST and merged as ADF. So a rendering that differs from
JIRA's costs a read, never a wrong value; what wiki markup cannot show at all (a panel's
type, a status lozenge's colour, text colour) is not seen in a webhook, only in a read:
``shows_all`` says whether a document has anything of that kind, and when it has, no
webhook text is taken as agreeing with it (a change there would not show).

Text and block layout follow JIRA's notation (https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa):
blocks separated by blank lines, lists nested as ``**``/``#*``, ``{code:lang}``, ``bq.``,
``{panel}``, ``----``, media as ``!name|thumbnail!``, dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Node = dict[str, Any]
LIST_MARKERS = {"bulletList": "*", "orderedList": "#"}
MARK_WRAPS = {"strong": ("*", "*"), "em": ("_", "_"), "code": ("{{", "}}"), "strike": ("-", "-")}
PANELS = frozenset({"panel", "expand", "nestedExpand"})


# What the rendering shows entirely: these nodes with these attributes, these marks.
SHOWN_ATTRS: dict[str, frozenset[str]] = {
    "doc": frozenset({"version"}),
    "paragraph": frozenset(),
    "text": frozenset(),
    "hardBreak": frozenset(),
    "rule": frozenset(),
    "blockquote": frozenset(),
    "bulletList": frozenset(),
    "orderedList": frozenset(),
    "listItem": frozenset(),
    "heading": frozenset({"level"}),
    "codeBlock": frozenset({"language"}),
    "mention": frozenset({"id", "text", "accessLevel", "userType"}),
    "inlineCard": frozenset({"url"}),
}
SHOWN_MARKS: dict[str, frozenset[str]] = {kind: frozenset() for kind in MARK_WRAPS} | {
    "link": frozenset({"href"})
}


def shows_all(document: Node | None) -> bool:
    """Every node, attribute and mark of ``document`` shows in its wiki rendering, so a
    change to any of them changes the text (an ordered list starting at 1 only)."""
    if document is None:
        return True
    kind = document.get("type")
    if kind not in SHOWN_ATTRS or set(document.get("attrs") or {}) - SHOWN_ATTRS[kind]:
        return kind == "orderedList" and (document.get("attrs") or {}) == {"order": 1}
    for mark in document.get("marks") or []:
        mark_kind = mark.get("type")
        if mark_kind not in SHOWN_MARKS or set(mark.get("attrs") or {}) - SHOWN_MARKS[mark_kind]:
            return False
    return all(shows_all(child) for child in _children(document))


def to_wiki(document: Node | None) -> str | None:
    """``document`` as JIRA's wiki markup (None: no document)."""
    if document is None:
        return None
    return "\n\n".join(_block(node) for node in document.get("content") or [])


def _children(node: Node) -> list[Node]:
    return list(node.get("content") or [])


def _block(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind in LIST_MARKERS:
        return "\n".join(_items(node, ""))
    if kind == "heading":
        return f"h{attrs.get('level', 1)}. {_inline(node)}"
    if kind == "codeBlock":
        language = attrs.get("language")
        opening = f"{{code:{language}}}" if language else "{code}"
        return f"{opening}\n{_inline(node)}\n{{code}}"
    if kind == "blockquote":
        return "\n".join("bq. " + _block(child) for child in _children(node))
    if kind == "rule":
        return "----"
    if kind == "table":
        return "\n".join(_row(row) for row in _children(node))
    if kind in PANELS:
        return "{panel}\n" + "\n\n".join(_block(c) for c in _children(node)) + "\n{panel}"
    if kind in ("mediaSingle", "mediaGroup"):
        return " ".join(_media(child) for child in _children(node))
    return _inline(node)


def _items(node: Node, outer: str) -> list[str]:
    marker = outer + LIST_MARKERS[str(node.get("type"))]
    lines: list[str] = []
    for item in _children(node):
        nested = [c for c in _children(item) if c.get("type") in LIST_MARKERS]
        own = [c for c in _children(item) if c.get("type") not in LIST_MARKERS]
        lines.append(marker + " " + "\n".join(_block(c) for c in own))
        for child in nested:
            lines += _items(child, marker)
    return lines


def _row(row: Node) -> str:
    cells = _children(row)
    out = ""
    for cell in cells:
        bar = "||" if cell.get("type") == "tableHeader" else "|"
        out += bar + " ".join(_block(child) for child in _children(cell))
    last_header = bool(cells) and cells[-1].get("type") == "tableHeader"
    return out + ("||" if last_header else "|")


def _media(node: Node) -> str:
    attrs = node.get("attrs") or {}
    return "!" + str(attrs.get("alt") or attrs.get("id") or attrs.get("url", "")) + "|thumbnail!"


def _inline(node: Node) -> str:
    return "".join(_leaf(child) for child in _children(node))


def _leaf(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return _marked(str(node.get("text", "")), node.get("marks") or [])
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return f"[~accountid:{attrs.get('id', '')}]"
    if kind == "date":
        return _day(attrs.get("timestamp"))
    if kind in ("emoji", "status"):
        return str(attrs.get("shortName") or attrs.get("text") or "")
    if kind == "inlineCard":
        return f"[{attrs.get('url', '')}]"
    return _inline(node)


def _marked(text: str, marks: list[Node]) -> str:
    for mark in marks:
        kind = mark.get("type")
        if kind == "link":
            text = f"[{text}|{(mark.get('attrs') or {}).get('href', '')}]"
        elif kind in MARK_WRAPS:
            before, after = MARK_WRAPS[str(kind)]
            text = before + text + after
    return text


def _day(timestamp: object) -> str:
    """A date node's day: its timestamp is milliseconds since the epoch, as a string."""
    shown = str(timestamp)
    if not shown.isdigit():
        return shown
    return datetime.fromtimestamp(int(shown) / 1000, UTC).date().isoformat()
