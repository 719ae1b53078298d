"""Rich text from webhooks is not what REST holds.

JIRA renders rich text (the description, paragraph custom fields) in webhook bodies as wiki
markup, not ADF (``h2. A heading``, ``*bold*``, ``[text|url]``); REST v3 reads and writes
ADF. Written to the other site as it came, that markup would arrive as literal characters.
So a value of these fields is never written from webhook text: a counterpart created from
a webhook takes them from a REST read of its origin. The router's read of an issue it sees
for the first time (for its link marker) brings them along (``first_look``: no call more);
otherwise the applier reads the origin before the create. A person's new issue with no
rich text, or text that can only mean plain paragraphs, is not read at all
(``made_by_a_person``). Everything else is written from fresh REST reads already (the
merge), as canonical ADF (``streams.sync.documents``); a webhook's wiki text is otherwise
only compared with the agreed document (``documents.agrees``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import NotFound
from streams.sync.documents import ids_of, plain
from streams.sync.fields import FieldMaps, SiteNumber, canonical
from streams.sync.messages import (
    LINK_PROPERTY,
    CommentChanged,
    CreateCounterpart,
    IssueChanged,
    Observation,
)
from streams.sync.worklog_actions import WorklogChanged

DESCRIPTION = "description"
ATTACHMENT = "attachment"  # the issue's files, listed in the same read

Change = IssueChanged | CommentChanged | WorklogChanged


def rich_fields(maps: FieldMaps) -> list[str]:
    """The synced fields whose webhook text may be wiki markup."""
    return [DESCRIPTION, *(custom.key for custom in maps.custom if custom.type == "text")]


def carries_webhook_text(values: Mapping[str, Any], maps: FieldMaps) -> bool:
    """Values taken from a webhook that hold rich text to be read again through REST."""
    return any(values.get(name) for name in rich_fields(maps))


def made_by_a_person(change: Change, ours: str | None, maps: FieldMaps) -> IssueChanged | None:
    """A person's new issue routed without the router's read: its own pair (a marker on an
    issue a person created is never the sync's: only the sync's account makes
    counterparts), its rich text the documents its webhook text can only be (empty, or
    plain paragraphs: ``documents.plain``). None: read it as any first sight."""
    if not isinstance(change, IssueChanged) or change.kind != "created" or change.text_read:
        return None
    if ours is None or change.actor is None or change.actor == ours:
        return None
    values = dict(change.values)
    for name in [name for name in rich_fields(maps) if values.get(name) is not None]:
        text = values[name]  # a custom text field may be a line of text or a document: read
        document = plain(text) if isinstance(text, str) and name == DESCRIPTION else None
        if document is None:
            return None
        values[name] = document
    return dataclasses.replace(change, values=values, text_read=True)


def with_rest_text(
    create: CreateCounterpart, seen: Observation, maps: FieldMaps
) -> CreateCounterpart | None:
    """``create`` with its rich text fields as ``seen`` (a REST read of the origin) holds
    them (None: the origin cannot be read). The other values stay as the model chose them."""
    if not seen.exists:
        return None
    rich = {name: seen.values.get(name) for name in rich_fields(maps) if name in create.values}
    return dataclasses.replace(create, values={**create.values, **rich}, webhook_text=False)


async def first_look(
    client: JiraClient, site: SiteNumber, issue_id: str, maps: FieldMaps
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The link marker of an issue seen for the first time, and its rich text fields as
    REST holds them, in the one read the router makes anyway (None, None: not found);
    ``rich[ATTACHMENT]`` is True when the issue has files (a create then looks at them)."""
    ids = [DESCRIPTION, *(c.ids[site] for c in maps.custom if c.type == "text" and site in c.ids)]
    try:
        issue = await client.get_issue(
            issue_id, fields=["updated", ATTACHMENT, *ids], properties=[LINK_PROPERTY]
        )
    except NotFound:
        return None, None
    marker = issue.properties.get(LINK_PROPERTY)
    values = canonical(site, issue.fields, maps)
    rich: dict[str, Any] = {name: values.get(name) for name in rich_fields(maps)}
    if issue.fields.get(ATTACHMENT):
        rich[ATTACHMENT] = True
    return (marker if isinstance(marker, dict) else None), rich


def read_through_rest(change: Change, rich: dict[str, Any] | None) -> Change:
    """A webhook's change with its rich text replaced by ``rich`` (a REST read of the same
    issue, at least as fresh): its create needs no read of its own."""
    if rich is None or not isinstance(change, IssueChanged) or change.kind == "snapshot":
        return change
    values = {**change.values, **{k: v for k, v in rich.items() if k in change.values}}
    files = change.attachments or bool(rich.get(ATTACHMENT))
    return dataclasses.replace(change, values=values, text_read=True, attachments=files)


def mentioned(values: Mapping[str, Any], maps: FieldMaps) -> list[str]:
    """The people mentioned in the rich fields of canonical ``values`` (canonical ids): to
    be looked for on the site they are written to before they are rendered there."""
    found: list[str] = []
    for name in rich_fields(maps):
        value = values.get(name)
        if isinstance(value, dict):
            found += [one for one in ids_of(value, "mention") if one not in found]
    return found
