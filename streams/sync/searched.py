"""What a full sync's search already says of an issue, so that its snapshot costs no read
more (JIRA answers ``search/jql`` with the fields and issue properties it is asked for).

The search asks for the issue's files, its creation time and its link marker. The
snapshot then carries

- whether the issue has files (``files``): a counterpart made from it looks at the pair's
  attachments only when it has some (``attachment_wiring``), as after the router's read;
- the marker, when the search can be trusted for it (``settled``): the router takes it in
  place of its own read. JIRA's search is eventually consistent
  (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/): a result may
  be an older version of the issue. The sync writes its marker in the request that creates
  a counterpart, and routes every issue it marks later (a link command) before marking it;
  so a marker missing from the result of an issue created long before the search is not
  there. An issue created in the last ``SETTLED`` is read as before: its result may be
  older than its marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from streams.jira.models import parse_jira_time
from streams.sync.messages import LINK_PROPERTY

SEARCHED = "jiraSyncSearched"  # the envelope's payload key of what the search said
ATTACHMENT, CREATED = "attachment", "created"
FIELDS = [ATTACHMENT, CREATED]  # asked of the search besides the synced fields
PROPERTIES = [LINK_PROPERTY]
SETTLED = timedelta(minutes=10)  # well beyond the index's lag after a write


def said(fields: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """What a search result asked for ``FIELDS`` and ``PROPERTIES`` said, for a snapshot's
    payload (the file list itself stays out: only whether there is one)."""
    marker = properties.get(LINK_PROPERTY)
    return {
        "files": bool(fields.get(ATTACHMENT)),
        "created": fields.get(CREATED),
        "marker": marker if isinstance(marker, dict) else None,
    }


def synced_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A search result's fields without those only asked for what they say (``FIELDS``)."""
    return {name: value for name, value in fields.items() if name not in FIELDS}


def of(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the search said of a snapshot (None: not a full sync's, or from before)."""
    found = payload.get(SEARCHED)
    return found if isinstance(found, dict) else None


def has_files(payload: Mapping[str, Any]) -> bool | None:
    """Whether the snapshot's issue has files (None: the search was not asked)."""
    found = of(payload)
    return bool(found.get("files")) if found is not None else None


def marker(payload: Mapping[str, Any], now: datetime) -> tuple[bool, dict[str, Any] | None]:
    """(True, the marker or None) when the search is to be trusted for the issue's marker;
    (False, None): read it."""
    found = of(payload)
    if found is None:
        return False, None
    try:
        created = parse_jira_time(found.get("created"))
    except ValueError:
        created = None
    if created is None or now - created < SETTLED:
        return False, None
    value = found.get("marker")
    return True, value if isinstance(value, dict) else None
