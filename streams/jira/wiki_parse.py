"""JIRA wiki markup as ADF: how a Data Center site's REST v2 rich text reads in the sync.

``from_wiki`` is the inverse of ``streams.jira.wiki.to_wiki`` for every document that
``wiki.shows_all`` accepts, in canonical form (``adf.canonical_adf``), and reads what people
write by hand as JIRA renders it. The notation is JIRA's
(https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa; inline notation in
``streams.jira.wiki_inline``). Blocks are separated by blank lines; a line starting a block
(a heading, a list, a table, a rule, a ``{code}``) also ends the paragraph before it:

- a paragraph's lines are joined by line breaks (as are ``\\\\``);
- ``h1.``-``h6.`` headings, ``----`` a rule;
- ``*``, ``#`` and ``-`` lists, nested and mixed by their markers (``**``, ``#*``); a line
  under an item that starts no block is a line break in that item;
- ``||head||`` and ``|cell|`` rows make a table (a row of nothing but bars is text);
- ``{code:lang}...{code}`` and ``{noformat}...{noformat}`` code blocks (content verbatim,
  parameters other than the language dropped), ``bq.`` lines (consecutive ones one quote)
  and ``{quote}...{quote}`` block quotes, ``{panel:title=..}...{panel}`` an info panel whose
  title becomes a first, strong paragraph;
- a line of images only, ``!name!`` or ``!name|thumbnail!``, one ``mediaSingle`` (several:
  a ``mediaGroup``): an attachment is a file media node with ``id`` ``attachment:<name>``
  (``ATTACHMENT``) and ``alt`` the name; the caller points it at the file with
  ``adf.remap_media`` (a name it has no file for becomes the text ``[name]``); an image URL
  is an external media node;
- dates stay text. A fence that does not close (``{code}`` without its end) is text.

``losses`` (``streams.jira.wiki_losses``) names what a document holds that does not survive
``to_wiki`` and back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from streams.jira.wiki_inline import USERNAME, is_url, parse_inline
from streams.jira.wiki_losses import losses

__all__ = ["ATTACHMENT", "USERNAME", "from_wiki", "losses"]

Node = dict[str, Any]
Read = tuple[list[Node], list[str]] | None  # the nodes read, and the lines after them
ATTACHMENT = "attachment:"  # a media id naming an attachment by its file name
HEADING = re.compile(r"h([1-6])\.(?: (.*))?")
QUOTE_LINE = re.compile(r"bq\.(?: (.*))?")
LIST_LINE = re.compile(r"([*#]+|-) (.*)")
FENCE = re.compile(r"\{(code|noformat|quote|panel)(?::([^}\n]*))?\}")
IMAGE = re.compile(r"!([^!|\s][^!|\n]*)(?:\|[^!\n]*)?!")
IMAGES = re.compile(rf"(?:{IMAGE.pattern} *)+")
LIST_TYPES = {"*": "bulletList", "-": "bulletList", "#": "orderedList"}


def from_wiki(text: str) -> Node:
    """JIRA wiki markup as an ADF document (an empty text: a document without content)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return {"type": "doc", "version": 1, "content": _blocks(lines)}


def _blocks(lines: list[str]) -> list[Node]:
    nodes: list[Node] = []
    while lines:
        if not lines[0].strip():
            lines = lines[1:]
            continue
        found, lines = _special(lines) or _paragraph_read(lines)
        nodes += found
    return nodes


def _special(lines: list[str]) -> Read:
    for reader in READERS:
        read = reader(lines)
        if read is not None:
            return read
    return None


def _paragraph_read(lines: list[str]) -> tuple[list[Node], list[str]]:
    """A paragraph: lines up to a blank one or one starting another block."""
    end = 1
    while end < len(lines) and lines[end].strip() and _special(lines[end:]) is None:
        end += 1
    return [{"type": "paragraph", "content": parse_inline("\n".join(lines[:end]))}], lines[end:]


def _heading(lines: list[str]) -> Read:
    match = HEADING.fullmatch(lines[0])
    if match is None:
        return None
    level = int(match.group(1))
    heading = {"type": "heading", "attrs": {"level": level}}
    return [heading | {"content": parse_inline(match.group(2) or "")}], lines[1:]


def _rule(lines: list[str]) -> Read:
    return ([{"type": "rule"}], lines[1:]) if re.fullmatch(r"----\s*", lines[0]) else None


def _quote_lines(lines: list[str]) -> Read:
    paragraphs: list[Node] = []
    while lines and (match := QUOTE_LINE.fullmatch(lines[0])) is not None:
        paragraphs.append({"type": "paragraph", "content": parse_inline(match.group(1) or "")})
        lines = lines[1:]
    return ([{"type": "blockquote", "content": paragraphs}], lines) if paragraphs else None


def _fenced(lines: list[str]) -> Read:
    """``{code}``, ``{noformat}``, ``{quote}`` and ``{panel}``: from a line starting with
    the opening to the closing tag (the rest of its line is read on)."""
    opening = FENCE.match(lines[0])
    if opening is None:
        return None
    kind, params = opening.group(1), opening.group(2) or ""
    rest = "\n".join(lines)[opening.end() :]
    close = rest.find("{" + kind + "}")
    if close < 0:
        return None
    body, after = rest[:close], rest[close + len(kind) + 2 :]
    remaining = after.split("\n")
    remaining = remaining[1:] if not remaining[0].strip() else remaining
    return [FENCES[kind](params, body)], remaining


def _code(params: str, body: str) -> Node:
    body = body.removeprefix("\n").removesuffix("\n")
    named = [p.strip() for p in params.split("|") if p.strip()]
    language = next((p for p in named if "=" not in p), None)
    language = language or next((p[9:] for p in named if p.startswith("language=")), None)
    node: Node = {"type": "codeBlock", "content": [{"type": "text", "text": body}] if body else []}
    return node | ({"attrs": {"language": language}} if language else {})


def _noformat(params: str, body: str) -> Node:
    return _code("", body)


def _quote(params: str, body: str) -> Node:
    return {"type": "blockquote", "content": _blocks(body.split("\n"))}


def _panel(params: str, body: str) -> Node:
    fields = dict(p.split("=", 1) for p in params.split("|") if "=" in p)
    title = fields.get("title", "").strip()
    heading = [{"type": "text", "text": title, "marks": [{"type": "strong"}]}] if title else []
    content = ([{"type": "paragraph", "content": heading}] if title else []) + _blocks(
        body.split("\n")
    )
    return {"type": "panel", "attrs": {"panelType": "info"}, "content": content}


FENCES: dict[str, Callable[[str, str], Node]] = {
    "code": _code,
    "noformat": _noformat,
    "quote": _quote,
    "panel": _panel,
}


def _images(lines: list[str]) -> Read:
    if IMAGES.fullmatch(lines[0].strip()) is None:
        return None
    media = [_media(name.strip()) for name in IMAGE.findall(lines[0])]
    kind = "mediaSingle" if len(media) == 1 else "mediaGroup"
    return [{"type": kind, "content": media}], lines[1:]


def _media(name: str) -> Node:
    if is_url(name):
        return {"type": "media", "attrs": {"type": "external", "url": name}}
    attrs = {"type": "file", "id": ATTACHMENT + name, "collection": "", "alt": name}
    return {"type": "media", "attrs": attrs}


def _table(lines: list[str]) -> Read:
    rows: list[Node] = []
    while lines and lines[0].startswith("|") and (cells := _cells(lines[0])):
        rows.append({"type": "tableRow", "content": cells})
        lines = lines[1:]
    return ([{"type": "table", "content": rows}], lines) if rows else None


def _cells(line: str) -> list[Node]:
    cells: list[Node] = []
    at = 0
    while at < len(line) and line[at] == "|":
        header = line.startswith("||", at)
        at += 2 if header else 1
        end = _cell_end(line, at)
        if end == len(line) and not line[at:].strip():
            break
        kind = "tableHeader" if header else "tableCell"
        paragraph = {"type": "paragraph", "content": parse_inline(line[at:end].strip())}
        cells.append({"type": kind, "content": [paragraph]})
        at = end
    return cells


def _cell_end(line: str, at: int) -> int:
    """Where the cell starting at ``at`` ends: the next bar outside a link."""
    in_link = False
    while at < len(line):
        if line[at] == "\\":
            at += 2
            continue
        in_link = (in_link or line[at] == "[") and line[at] != "]"
        if line[at] == "|" and not in_link:
            return at
        at += 1
    return len(line)


def _list(lines: list[str]) -> Read:
    entries: list[tuple[str, list[str]]] = []
    while lines and lines[0].strip():
        match = LIST_LINE.fullmatch(lines[0])
        if match is not None:
            entries.append((match.group(1), [match.group(2)]))
        elif entries and _special(lines) is None:
            entries[-1][1].append(lines[0])
        else:
            break
        lines = lines[1:]
    return (_list_nodes(entries), lines) if entries else None


def _list_nodes(entries: list[tuple[str, list[str]]]) -> list[Node]:
    roots: list[Node] = []
    stack: list[Node] = []  # the open list at each depth
    for marker, texts in entries:
        marker = "*" if marker == "-" else marker
        del stack[len(marker) :]
        same = [LIST_TYPES[m] == lst["type"] for m, lst in zip(marker, stack, strict=False)]
        del stack[same.index(False) if False in same else len(stack) :]
        while len(stack) < len(marker):
            opened: Node = {"type": LIST_TYPES[marker[len(stack)]], "content": []}
            _parent(stack, roots).append(opened)
            stack.append(opened)
        content = parse_inline("\n".join(texts))
        stack[-1]["content"].append(
            {"type": "listItem", "content": [{"type": "paragraph", "content": content}]}
        )
    return roots


def _parent(stack: list[Node], roots: list[Node]) -> list[Node]:
    """Where a list opened below the innermost open one goes: its last item."""
    if not stack:
        return roots
    items = stack[-1]["content"]
    if not items:
        items.append({"type": "listItem", "content": [{"type": "paragraph", "content": []}]})
    content: list[Node] = items[-1]["content"]
    return content


READERS: tuple[Callable[[list[str]], Read], ...] = (
    _fenced,
    _heading,
    _rule,
    _quote_lines,
    _list,
    _table,
    _images,
)
