"""JIRA wiki markup's inline notation as ADF inline nodes (for ``streams.jira.wiki_parse``).

Follows JIRA's notation help (https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa,
"Text Effects", "Text Breaks", "Links", "Other"): ``*strong*``, ``_em_``, ``-strike-``,
``+underline+``, ``^sup^``, ``~sub~``, ``{{code}}``, ``{color:#hex}..{color}``; a phrase
opens after no letter or digit, before no space, and closes after no space, before no
letter or digit (so ``2026-01-01`` and ``a*b*c`` stay text). The braced form ``{*}x{*}``
marks text wherever it stands (inside a word, with spaces at its edges). ``\\\\`` and a
newline are line breaks; a backslash before a markup character makes it text. ``[text|url]``
is a link, ``[url]`` an inline card, ``[~accountid:ID]`` a mention of ``ID``, ``[~name]`` a
mention of ``username:name`` (``USERNAME``; a Data Center user name the caller remaps to an
account with ``adf.remap_mentions``). The documented emoticons (``:)``, ``(y)``, ``(!)``...)
become emoji nodes. Anything that does not close (``[`` without ``]``, ``*`` alone) is text.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Any

Node = dict[str, Any]
USERNAME = "username:"  # a mention's id for a Data Center user name, ``[~name]``
ESCAPABLE = frozenset("*_-+^~{}[]|!#.:;()?")
PHRASES: dict[str, Node] = {
    "*": {"type": "strong"},
    "_": {"type": "em"},
    "-": {"type": "strike"},
    "+": {"type": "underline"},
    "^": {"type": "subsup", "attrs": {"type": "sup"}},
    "~": {"type": "subsup", "attrs": {"type": "sub"}},
}
CODE = {"type": "code"}
EMOJI: dict[str, tuple[str, str, str]] = {
    ":)": (":slight_smile:", "1f642", "🙂"),
    ":(": (":slight_frown:", "1f641", "🙁"),
    ":P": (":stuck_out_tongue:", "1f61b", "😛"),
    ":D": (":grinning:", "1f600", "😀"),
    ";)": (":wink:", "1f609", "😉"),
    "(y)": (":thumbsup:", "1f44d", "👍"),
    "(n)": (":thumbsdown:", "1f44e", "👎"),
    "(i)": (":information_source:", "2139", "\u2139\ufe0f"),
    "(/)": (":white_check_mark:", "2705", "✅"),
    "(x)": (":x:", "274c", "❌"),
    "(!)": (":warning:", "26a0", "⚠️"),
    "(+)": (":heavy_plus_sign:", "2795", "\u2795"),
    "(-)": (":heavy_minus_sign:", "2796", "\u2796"),
    "(?)": (":question:", "2753", "❓"),
    "(on)": (":bulb:", "1f4a1", "💡"),
    "(*)": (":star:", "2b50", "⭐"),
    "(flag)": (":triangular_flag_on_post:", "1f6a9", "🚩"),
}
COLOURS = {
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "black": "#000000",
    "white": "#ffffff",
    "grey": "#808080",
    "gray": "#808080",
    "orange": "#ffa500",
    "yellow": "#ffff00",
    "purple": "#800080",
}
URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|mailto:)\S+$", re.IGNORECASE)
# A phrase's closing character: after no space (or backslash), before no letter or digit.
CLOSINGS = {c: re.compile(rf"(?<![\s\\]){re.escape(c)}(?![^\W_])") for c in PHRASES}
OPEN_COLOUR = re.compile(r"\{color:([^}\n]*)\}")


def parse_inline(source: str) -> list[Node]:
    """Inline wiki markup as ADF inline nodes (text, marks, breaks, mentions, emoji...)."""
    return _parse(source, [])


def is_url(text: str) -> bool:
    return URL.match(text) is not None


def _parse(source: str, marks: list[Node]) -> list[Node]:
    out: list[Node] = []
    plain = ""
    i = 0
    while i < len(source):
        if source[i] == "\\" and source[i + 1 : i + 2] in ESCAPABLE:
            plain, i = plain + source[i + 1], i + 2
            continue
        found = _construct(source, i, marks)
        if found is None:
            plain, i = plain + source[i], i + 1
            continue
        nodes, i = found
        out += _text(plain, marks) + nodes
        plain = ""
    return out + _text(plain, marks)


def _text(plain: str, marks: list[Node]) -> list[Node]:
    if not plain:
        return []
    node: Node = {"type": "text", "text": plain}
    return [node | {"marks": [dict(mark) for mark in marks]}] if marks else [node]


Found = tuple[list[Node], int] | None


def _construct(source: str, i: int, marks: list[Node]) -> Found:
    if source.startswith("\\\\", i) or source[i] == "\n":
        return [{"type": "hardBreak"}], i + (1 if source[i] == "\n" else 2)
    if source.startswith("{{", i):
        return _enclosed(source, i, "{{", "}}", marks, CODE)
    if source.startswith("{color:", i):
        return _colour(source, i, marks)
    if source[i] == "{" and source[i + 2 : i + 3] == "}" and source[i + 1] in PHRASES:
        tag = source[i : i + 3]
        return _enclosed(source, i, tag, tag, marks, PHRASES[source[i + 1]])
    if source[i] in PHRASES:
        return _phrase(source, i, marks)
    if source[i] == "[":
        return _bracket(source, i, marks)
    return _emoji(source, i)


def find(source: str, token: str, start: int, end: int | None = None) -> int | None:
    """The first ``token`` in ``source[start:end]`` not escaped by a backslash."""
    at = source.find(token, start, end)
    while at > 0 and source[at - 1] == "\\":
        at = source.find(token, at + 1, end)
    return None if at < 0 else at


def _line_end(source: str, i: int) -> int:
    end = source.find("\n", i)
    return len(source) if end < 0 else end


def _enclosed(
    source: str, i: int, opening: str, closing: str, marks: list[Node], mark: Node
) -> Found:
    """A phrase between ``opening`` and ``closing`` on one line (a mark is never nested in
    itself: ADF marks are a set, and it keeps the reading's depth small)."""
    end = find(source, closing, i + len(opening), _line_end(source, i))
    while end is not None and closing == "}}" and source[end + 2 : end + 3] == "}":
        end += 1  # ``{{{*}x{*}}}``: the braces of a phrase inside are its own
    if end is None or mark in marks:
        return None
    return _parse(source[i + len(opening) : end], [*marks, mark]), end + len(closing)


def _colour(source: str, i: int, marks: list[Node]) -> Found:
    opening = OPEN_COLOUR.match(source, i)
    end = find(source, "{color}", i + 7)
    if opening is None or end is None or any(m["type"] == "textColor" for m in marks):
        return None
    value = opening.group(1).strip().lower()
    colour = value if re.fullmatch(r"#[0-9a-f]{6}", value) else COLOURS.get(value)
    mark = [{"type": "textColor", "attrs": {"color": colour}}] if colour else []
    return _parse(source[opening.end() : end], marks + mark), end + len("{color}")


def _phrase(source: str, i: int, marks: list[Node]) -> Found:
    before, after = source[i - 1 : i] if i else "", source[i + 1 : i + 2]
    mark = PHRASES[source[i]]
    if before.isalnum() or before == "\\" or not after or after.isspace() or mark in marks:
        return None
    closings = _closings(source, source[i])
    at = bisect.bisect_left(closings, i + 2)
    if at == len(closings) or closings[at] > _line_end(source, i):
        return None
    end = closings[at]
    return _parse(source[i + 1 : end], [*marks, mark]), end + 1


@functools.lru_cache(maxsize=32)
def _closings(source: str, character: str) -> list[int]:
    """Where ``character`` could close a phrase in ``source`` (found once per text: a line
    of many openers that never close costs no more than one)."""
    return [m.start() for m in CLOSINGS[character].finditer(source)]


def _bracket(source: str, i: int, marks: list[Node]) -> Found:
    end = find(source, "]", i + 1, _line_end(source, i))
    if end is None:
        return None
    inner = source[i + 1 : end]
    if inner.startswith("~accountid:"):
        return [_mention(inner.removeprefix("~accountid:"), None)], end + 1
    if inner.startswith("~") and len(inner) > 1:
        name = inner[1:]
        return [_mention(USERNAME + name, "@" + name)], end + 1
    bar = find(inner, "|", 0)
    if bar is None:
        url = inner.strip()
        return ([{"type": "inlineCard", "attrs": {"url": url}}], end + 1) if is_url(url) else None
    href = inner[bar + 1 :].split("|")[0].strip()
    if not href:
        return None
    link = {"type": "link", "attrs": {"href": href}}
    return _parse(inner[:bar], [*marks, link]) or _text(href, [*marks, link]), end + 1


def _mention(account: str, name: str | None) -> Node:
    attrs = {"id": account} | ({"text": name} if name else {})
    return {"type": "mention", "attrs": attrs}


def _emoji(source: str, i: int) -> Found:
    for shortcut, (short_name, code, shown) in EMOJI.items():
        if source.startswith(shortcut, i):
            if shortcut[0] in ":;" and source[i - 1 : i].isalnum():
                return None
            attrs = {"shortName": short_name, "id": code, "text": shown}
            return [{"type": "emoji", "attrs": attrs}], i + len(shortcut)
    return None
