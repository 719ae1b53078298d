"""Comment copies: the attribution header and how a copy is recognised.

A copy's body is a header paragraph naming the author, the original's issue, site and time,
and the original's id in the form ``[jira-sync 1:10010]`` (how a copy made just before a
crash is found again), followed by the original's text. Mentions become plain ``@Name``
text (``streams.jira.adf``): a mention of a person on one site must never notify a
different person on the other.

Internal comments (a visibility restriction, or a service-desk internal note: ``jsdPublic``
false) are never copied. A copy written into a service-desk project is itself written as an
internal note (``INTERNAL_NOTE``): what the partner's team wrote is for the agents, never
shown to that desk's customers. Comments made through the platform API are public unless
created with that property (https://github.com/pycontribs/jira/issues/313,
https://github.com/atlassian/atlassian-mcp-server/issues/139).
"""

from __future__ import annotations

from typing import Any

from streams.jira.adf import adf_to_text, normalize_text, text_to_adf
from streams.jira.models import Comment

INTERNAL_NOTE = {"sd.public.comment": {"internal": True}}
SERVICE_DESK = "service_desk"  # the project's ``projectTypeKey``


def copy_properties(project_type: str | None) -> dict[str, Any] | None:
    """The properties a copy is created with in a project of ``project_type``."""
    return INTERNAL_NOTE if project_type == SERVICE_DESK else None


def marker(source: str) -> str:
    return f"[jira-sync {source}]"


def copy_body(original: Comment, source: str, source_key: str) -> dict[str, Any]:
    author = (original.author or {}).get("displayName") or "someone"
    when = (original.created or "")[:16].replace("T", " ")
    site = source.partition(":")[0]
    header = f"{author} wrote on {source_key} (site {site}) at {when} UTC {marker(source)}:"
    text = _text(original.body)
    document = text_to_adf(f"{header}\n\n{text}" if text else header)
    return document if document is not None else {"type": "doc", "version": 1, "content": []}


def is_copy_of(comment: Comment, source: str) -> bool:
    return marker(source) in (_text(comment.body) or "")


def _text(body: dict[str, Any] | str | None) -> str:
    if isinstance(body, dict):
        return normalize_text(adf_to_text(body)) or ""
    return normalize_text(body) or ""
