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
blocks separated by blank lines, lists nested as ``**``/``#*``, ``{code:lang}``, ``bq.``
(``{quote}`` around more than one-line paragraphs), ``{panel}``, ``----``, media as
``!name|thumbnail!``, dates as ``YYYY-MM-DD``, a line break in a heading as ``\\\\``. What
the rendering shows reads back (``streams.jira.wiki_parse.from_wiki``): a markup character
in text takes a backslash where it would read as markup, and a mark beside a letter or
digit or with spaces at its edges takes JIRA's braced form (``{*}bold {*}``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from streams.jira.wiki_inline import EMOJI, USERNAME

Node = dict[str, Any]
LIST_MARKERS = {"bulletList": "*", "orderedList": "#"}
MARK_WRAPS = {"strong": ("*", "*"), "em": ("_", "_"), "code": ("{{", "}}"), "strike": ("-", "-")}
PANELS = frozenset({"panel", "expand", "nestedExpand"})
ALWAYS_ESCAPED = frozenset("{}[]|")
PHRASE_CHARACTERS = frozenset("*_-+^~")
LINE_START = re.compile(r"\s*(?:(?:h[1-6]|bq)(\.)|([*#|!{-]))")


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
        return f"h{attrs.get('level', 1)}. " + _inline(node, "\\\\")
    if kind == "codeBlock":
        return _code(node)
    if kind == "blockquote":
        return _quote(node)
    if kind == "rule":
        return "----"
    if kind == "table":
        return "\n".join(_row(row) for row in _children(node))
    if kind in PANELS:
        return "{panel}\n" + "\n\n".join(_block(c) for c in _children(node)) + "\n{panel}"
    if kind in ("mediaSingle", "mediaGroup"):
        return " ".join(_media(child) for child in _children(node))
    return _inline(node)


def _code(node: Node) -> str:
    language = (node.get("attrs") or {}).get("language")
    opening = f"{{code:{language}}}" if language else "{code}"
    verbatim = "".join(str(child.get("text", "")) for child in _children(node))
    return f"{opening}\n{verbatim}\n{{code}}"


def _quote(node: Node) -> str:
    """``bq.`` lines for one-line paragraphs, else ``{quote}`` around the blocks."""
    children = _children(node)
    if all(c.get("type") == "paragraph" and "\n" not in _block(c) for c in children):
        return "\n".join("bq. " + _block(child) for child in children)
    return "{quote}\n" + "\n\n".join(_block(c) for c in children) + "\n{quote}"


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


def _inline(node: Node, line_break: str = "\n") -> str:
    """The children in a row. A marked text takes the braced form (``{*}x{*}``) where the
    plain one would not read back: beside a letter or digit, or with spaces at its edges."""
    children = _children(node)
    starts = [i == 0 or children[i - 1].get("type") == "hardBreak" for i in range(len(children))]
    loose = [_leaf(c, start, "", line_break) for c, start in zip(children, starts, strict=True)]
    pieces = []
    for index, (child, start) in enumerate(zip(children, starts, strict=True)):
        before = "".join(loose[:index])[-1:]
        after = "".join(loose[index + 1 :])[:1]
        pieces.append(_leaf(child, start, before + after, line_break))
    return "".join(pieces)


def _leaf(node: Node, line_start: bool, beside: str, line_break: str) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        text = _escaped(str(node.get("text", "")), line_start)
        tight = any(c.isalnum() or c == "\\" for c in beside)
        return _marked(text, node.get("marks") or [], tight)
    if kind == "hardBreak":
        return line_break
    if kind == "mention":
        return _mention(str(attrs.get("id", "")))
    if kind == "date":
        return _day(attrs.get("timestamp"))
    if kind in ("emoji", "status"):
        return str(attrs.get("shortName") or attrs.get("text") or "")
    if kind == "inlineCard":
        return f"[{attrs.get('url', '')}]"
    return _inline(node)


def _mention(account: str) -> str:
    """Cloud's ``[~accountid:ID]``; a Data Center user name, ``USERNAME`` + name (what
    ``wiki_parse`` reads ``[~name]`` as), is Data Center's ``[~name]``."""
    if account.startswith(USERNAME):
        return f"[~{account.removeprefix(USERNAME)}]"
    return f"[~accountid:{account}]"


def _marked(text: str, marks: list[Node], tight: bool = False) -> str:
    shown = [mark for mark in marks if mark.get("type") in MARK_WRAPS or mark.get("type") == "link"]
    for index, mark in enumerate(shown):
        kind = str(mark.get("type"))
        if kind == "link":
            text = f"[{text}|{(mark.get('attrs') or {}).get('href', '')}]"
            continue
        before, after = MARK_WRAPS[kind]
        loose = text[:1].isspace() or text[-1:].isspace() or not text
        if kind != "code" and (loose or (tight and index == len(shown) - 1)):
            before, after = "{" + before + "}", "{" + after + "}"
        text = before + text + after
    return text


def _escaped(text: str, line_start: bool) -> str:
    """``text`` with a backslash before each character that would read as markup: braces,
    brackets and bars, a phrase character that could open or close a phrase, the start of an
    emoticon, and at the start of a line what would start a block (``h1.``, ``*``, ``#``)."""
    marked = {k for k, c in enumerate(text) if c in ALWAYS_ESCAPED or _phrase_edge(text, k)}
    for shortcut in EMOJI:
        marked |= {m.start() for m in re.finditer(re.escape(shortcut), text)}
    block = LINE_START.match(text) if line_start else None
    if block is not None:
        marked.add(block.start(1) if block.group(1) else block.start(2))
    return "".join("\\" + c if k in marked else c for k, c in enumerate(text))


def _phrase_edge(text: str, k: int) -> bool:
    if text[k] not in PHRASE_CHARACTERS:
        return False
    before, after = text[k - 1 : k] if k else "", text[k + 1 : k + 2]
    opens = not before.isalnum() and not after.isspace()
    return opens or (not before.isspace() and not after.isalnum())


def _day(timestamp: object) -> str:
    """A date node's day: its timestamp is milliseconds since the epoch, as a string."""
    shown = str(timestamp)
    if not shown.isdigit():
        return shown
    return datetime.fromtimestamp(int(shown) / 1000, UTC).date().isoformat()
