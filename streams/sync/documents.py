"""Rich text (ADF) as the sync carries it: whole documents, in one vocabulary, compared in
canonical form.

A description or paragraph custom field read through REST is an ADF document. Its
canonical value (``canonical_document``) is ``streams.jira.adf.canonical_adf`` of it, in
site 1's vocabulary like every canonical value: a mention names a site 1 account (or
``site2:<id>`` for a person known only on site 2, ``UserMap``), a file media node a site 1
media id, or ``site2:<id>`` for a site 2 file. Two documents that mean the same (only
``localId``s, default attributes, mark order or split text runs differ) have equal values,
so JIRA's own normalisations never look like an edit.

A file and its copy (``FileMap``: the pair's attachments, each original's media id and its
copy's, ``streams.sync.attachment_copies``) are one file: canonically the site 1 media id,
whichever side added it. So once a file is copied, both documents name it alike.

Written to a site (``for_site``), the document takes that site's account and file ids. A
mention of someone with no account there becomes the plain text ``@Name`` (it notifies
nobody); a file that site does not have (not copied, or not yet) becomes a paragraph naming
it, ``[screenshot.png]``. Both are named in ``SiteDocument.lost``: the pair is warned and
remembers what that site holds (``Rendered.held``), so the difference is never taken for an
edit; once the site can take it all (the file copied), the document is written there again
(``streams.sync.rerender``).

Webhooks carry rich text as wiki markup, not ADF (``streams.jira.wiki``): such a value is
never written anywhere; ``agrees`` only says whether it shows the agreed document, else
the issue is read through REST.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.jira.adf import (
    adf_to_text,
    canonical_adf,
    normalize_text,
    remap_media,
    remap_mentions,
)
from streams.jira.wiki import shows_all, to_wiki
from streams.sites import SiteNumber
from streams.sync.knowledge import NO_FILES as NO_FILES
from streams.sync.knowledge import FileMap as FileMap
from streams.sync.knowledge import UserMap

Node = dict[str, Any]
SITE2_FILE = "site2:"  # a canonical media id of a file on site 2


@dataclass(frozen=True)
class SiteDocument:
    """A canonical document as written to one site, and what that site could not take."""

    document: Node | None
    lost: tuple[str, ...] = ()  # "@Name" of people, "[file]" of files, written as text


def canonical_document(
    site: SiteNumber, value: Any, users: UserMap, files: FileMap = NO_FILES
) -> Node | None:
    """A REST rich text value of ``site`` in canonical form (None: empty or absent)."""
    if not isinstance(value, dict):
        return None
    accounts = {one: users.to_canonical(site, one) or one for one in ids_of(value, "mention")}
    media = ids_of(value, "media")
    named = {} if site == 1 else {one: _canonical_file(one, files) for one in media}
    mapped = _media_ids(remap_mentions(value, accounts) or value, named)
    document = canonical_adf(mapped)
    return document if document and document.get("content") else None


def for_site(
    site: SiteNumber, value: Node | None, users: UserMap, files: FileMap = NO_FILES
) -> SiteDocument:
    """The canonical document ``value`` with ``site``'s account and media ids (canonical
    itself: a mention made text joins the text around it)."""
    if value is None:
        return SiteDocument(None)
    people = {one: users.to_site(site, one) for one in ids_of(value, "mention")}
    accounts = {one: account for one, account in people.items() if account is not None}
    media = ids_of(value, "media")
    named = {one: own for one in media if (own := own_file(site, one, files))}
    missing = [one for one in media if one not in named]
    lost = [f"@{name}" for name in _names(value, set(people) - set(accounts))]
    lost += _file_names(value, missing)
    document = canonical_adf(remap_media(remap_mentions(value, accounts), named))
    return SiteDocument(document, tuple(lost))


def agrees(
    site: SiteNumber, value: Any, base: Any, users: UserMap, files: FileMap = NO_FILES
) -> bool:
    """A webhook's value is the agreed one. Rich text in a webhook is wiki markup (a
    string) where the agreed value is a document: equal when the wiki rendering of the
    document as ``site`` holds it is that text; anything else is compared as it is."""
    if isinstance(value, str) and isinstance(base, dict):
        document = for_site(site, base, users, files).document
        if not shows_all(document):
            return False  # a change the text cannot show may be in it: read
        return normalize_text(value) == normalize_text(to_wiki(document))
    return bool(value == base)


# Wiki text that can only be paragraphs of plain text: letters, digits, spaces and a few
# marks JIRA's markup gives no meaning alone (no * _ - + ^ ~ ? ! : / \\ [ ] { } | # @, no
# single line break: a hard break; no "h1." or "bq." opening a block). Parentheses only
# around what no emoticon is: (y), (on), (/) are emoticons, (3) or (two words) are not.
CHAR = r"(?:[^\W_]|[ .,;'\"()&%$=])"
PLAIN = re.compile(rf"{CHAR}+(?:\n\n{CHAR}+)*")
MARKUP = re.compile(r"\((?:[A-Za-z]{1,7}|[^\w\s]{1,2})\)|;[)(PDp]|(?:^|\n)(?:h[1-6]|bq)\.")


def plain(text: str) -> Node | None:
    """A webhook's wiki text as the document it must be, when it can be only one: plain
    paragraphs (``PLAIN``, in canonical form); None when the markup could mean more (the
    issue is read through REST)."""
    if not PLAIN.fullmatch(text) or MARKUP.search(text) or text != text.strip():
        return None
    paragraphs = text.split("\n\n")
    if any(not part.strip() or part != part.strip() or "  " in part for part in paragraphs):
        return None
    content = [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]
    document = canonical_adf({"type": "doc", "version": 1, "content": content})
    return document if to_wiki(document) == text else None


def checkable(value: Any) -> bool:
    """None, or a document of plain paragraphs only (``plain`` reads its wiki text back as
    it): its wiki text in JIRA's changelog is exactly its words, whichever renderer made it,
    so the echo of a write can say whether the field held it (``overwrites``)."""
    if value is None:
        return True
    text = to_wiki(value) if isinstance(value, dict) else None
    return text is not None and plain(text) == value


def unchanged(value: Any, base: Any) -> bool:
    """A fresh value is the base. A pair agreed before rich text travelled as ADF holds a
    plain text base: a document showing that text has not changed (its formatting is
    carried with the next edit), so upgrading makes no conflict of every formatted text."""
    if isinstance(base, str) and isinstance(value, dict):
        return normalize_text(adf_to_text(value)) == base
    return bool(value == base)


def lost_note(site: SiteNumber, lost: tuple[str, ...]) -> str:
    """The warning for what ``site`` could not take of a document."""
    return (
        f"{', '.join(lost)}: no account or file on site {site} (a file not copied, or not "
        "yet); written as plain text there"
    )


def ids_of(node: Node, kind: str) -> list[str]:
    """The ``id`` attributes of the ``kind`` nodes in ``node`` (file media only), in order."""
    found: list[str] = []
    attrs = node.get("attrs") or {}
    if node.get("type") == kind and "id" in attrs and attrs.get("type", "file") == "file":
        found.append(str(attrs["id"]))
    for child in node.get("content") or []:
        found += [one for one in ids_of(child, kind) if one not in found]
    return found


def files_lacking(site: SiteNumber, value: Node | None, files: FileMap) -> list[str]:
    """The canonical media ids of the files in ``value`` that ``site`` does not have."""
    media = ids_of(value, "media") if value is not None else []
    return [one for one in media if own_file(site, one, files) is None]


def _canonical_file(media_id: str, files: FileMap) -> str:
    """A site 2 media id in canonical form: the site 1 file it is one with, else its own."""
    return files.one_of(media_id) or SITE2_FILE + media_id


def own_file(site: SiteNumber, media_id: str, files: FileMap) -> str | None:
    """A canonical media id as ``site`` names the file (None: that site has no such file)."""
    if media_id.startswith(SITE2_FILE):
        two = media_id.removeprefix(SITE2_FILE)
        return two if site == 2 else files.one_of(two)
    return media_id if site == 1 else files.two_of(media_id)


def _media_ids(node: Node, files: dict[str, str]) -> Node:
    """``node`` with file media ids renamed through ``files`` (all else kept)."""
    return _rewrite(node, lambda n: _renamed(n, files) if n.get("type") == "media" else n)


def _renamed(media: Node, files: dict[str, str]) -> Node:
    attrs = media.get("attrs") or {}
    named = files.get(str(attrs.get("id")))
    return media if named is None else {**media, "attrs": {**attrs, "id": named}}


def _rewrite(node: Node, change: Callable[[Node], Node]) -> Node:
    changed = change(node)
    if "content" not in changed:
        return changed
    return {**changed, "content": [_rewrite(c, change) for c in changed["content"] or []]}


def _names(node: Node, accounts: set[str]) -> list[str]:
    """Display names of the mentions of ``accounts`` in ``node``."""
    names: list[str] = []

    def seen(n: Node) -> Node:
        attrs = n.get("attrs") or {}
        if n.get("type") == "mention" and str(attrs.get("id")) in accounts:
            name = str(attrs.get("text") or attrs.get("id")).removeprefix("@")
            names.extend([name] if name not in names else [])
        return n

    _rewrite(node, seen)
    return names


def _file_names(node: Node, media_ids: list[str]) -> list[str]:
    names: list[str] = []

    def seen(n: Node) -> Node:
        attrs = n.get("attrs") or {}
        if n.get("type") == "media" and str(attrs.get("id")) in media_ids:
            names.append(f"[{attrs.get('alt') or attrs.get('id')}]")
        return n

    _rewrite(node, seen)
    return names
