"""Comment copies: the attribution header and how a copy is recognised.

A copy's body is a header paragraph naming the author, the original's issue, site and time,
and the original's id in the form ``[jira-sync 1:10010]`` (how a copy made just before a
crash is found again), followed by the original's document as it was written (marks,
links, headings, lists, tables, code, panels...: ``streams.sync.documents``). A mention
names the same person's account on the other site (the user map); a person with no
account there becomes the plain text ``@Name``, which notifies nobody (a mention on one
site must never notify a different person on the other). A file the other site does not
have (attachments are not synced yet) becomes a paragraph naming it, ``[name.png]``.

Internal comments (a visibility restriction, or a service-desk internal note: ``jsdPublic``
false) are never copied. A copy written into a service-desk project is itself written as an
internal note (``INTERNAL_NOTE``): what the partner's team wrote is for the agents, never
shown to that desk's customers. Comments made through the platform API are public unless
created with that property (https://github.com/pycontribs/jira/issues/313,
https://github.com/atlassian/atlassian-mcp-server/issues/139).
"""

from __future__ import annotations

from typing import Any

from streams.jira.adf import adf_to_text, canonical_adf, normalize_text, text_to_adf
from streams.jira.models import Comment
from streams.sites import SiteNumber
from streams.sync import documents
from streams.sync.knowledge import UserMap

INTERNAL_NOTE = {"sd.public.comment": {"internal": True}}
SERVICE_DESK = "service_desk"  # the project's ``projectTypeKey``


def copy_properties(project_type: str | None) -> dict[str, Any] | None:
    """The properties a copy is created with in a project of ``project_type``."""
    return INTERNAL_NOTE if project_type == SERVICE_DESK else None


def marker(source: str) -> str:
    return f"[jira-sync {source}]"


def copy_body(
    original: Comment,
    source: str,
    source_key: str,
    users: UserMap | None = None,
    files: documents.FileMap = documents.NO_FILES,
) -> dict[str, Any]:
    """The copy of ``original`` (ref ``source``, on issue ``source_key``) for the other
    site: the attribution header, then the original's content with that site's accounts
    (``users``; None: nobody is known there, every mention is plain text) and files
    (``files``: a file not copied there is named as text)."""
    author = (original.author or {}).get("displayName") or "someone"
    when = (original.created or "")[:16].replace("T", " ")
    site = source.partition(":")[0]
    header = f"{author} wrote on {source_key} (site {site}) at {when} UTC {marker(source)}:"
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": header}]}
    origin: SiteNumber = 2 if site == "2" else 1
    content = _content(original.body, origin, users or UserMap(), files)
    return {"type": "doc", "version": 1, "content": [paragraph, *content]}


def files_lacking(
    original: Comment, source: str, users: UserMap | None, files: documents.FileMap
) -> list[str]:
    """The files of ``original`` (ref ``source``) its copy on the other site names as text
    (canonical media ids: not copied there, or not yet)."""
    if not isinstance(original.body, dict):
        return []
    origin: SiteNumber = 2 if source.startswith("2:") else 1
    canonical = documents.canonical_document(origin, original.body, users or UserMap(), files)
    return documents.files_lacking(1 if origin == 2 else 2, canonical, files)


def same_body(one: dict[str, Any] | str | None, two: dict[str, Any] | str | None) -> bool:
    """Two comment bodies that mean the same (``canonical_adf``)."""
    if isinstance(one, dict) and isinstance(two, dict):
        return canonical_adf(one) == canonical_adf(two)
    return one == two


def _content(
    body: dict[str, Any] | str | None, site: SiteNumber, users: UserMap, files: documents.FileMap
) -> list[Any]:
    """The original's blocks as the other site (of ``site``) can hold them."""
    if not isinstance(body, dict):
        return list((text_to_adf(normalize_text(body)) or {}).get("content", []))
    target: SiteNumber = 1 if site == 2 else 2
    canonical = documents.canonical_document(site, body, users, files)
    written = documents.for_site(target, canonical, users, files).document
    return list((written or {}).get("content") or [])


def is_copy_of(comment: Comment, source: str) -> bool:
    return marker(source) in (_text(comment.body) or "")


def _text(body: dict[str, Any] | str | None) -> str:
    if isinstance(body, dict):
        return normalize_text(adf_to_text(body)) or ""
    return normalize_text(body) or ""
