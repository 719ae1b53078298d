"""What a Data Center site cannot keep of the rich text written to it (pure).

A Data Center site stores rich text as wiki markup; the ADF of a Cloud site holds more than
wiki markup can say (a panel's type, text colour, a table's layout, ...:
``streams.jira.wiki_losses``). A write of a document with such parts to a Data Center site
warns on the pair, per field (``rich-text-loss``), so the operator sees what the partner's
copy lacks; a later write that loses nothing clears it. Cloud sites keep every document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.jira.dc_convert import from_dc_wiki, to_dc_wiki
from streams.jira.wiki_losses import losses
from streams.sync import documents
from streams.sync.events import PairEvent
from streams.sync.facts import Cleared, Warned
from streams.sync.fields import Rendered, SiteNumber
from streams.sync.messages import SyncConfig
from streams.sync.rich_text import DESCRIPTION, rich_fields

CODE = "rich-text-loss"


def kept(site: int, values: Mapping[str, Any], config: SyncConfig) -> list[PairEvent]:
    """Warnings for the rich fields of ``values`` that ``site`` cannot keep whole."""
    if site not in config.datacenter_sites:
        return []
    facts: list[PairEvent] = []
    for name in rich_fields(config.maps):
        if name not in values:
            continue
        document = values[name]
        lost = losses(document) if isinstance(document, dict) else []
        if not lost:
            facts.append(Cleared(CODE, name))
            continue
        message = f"{name} on site {site} (Data Center, wiki markup) does not keep: " + ", ".join(
            sorted(set(lost))
        )
        facts.append(Warned(CODE, message, field=name))
    return facts


def held_in_wiki(
    site: SiteNumber, values: Mapping[str, Any], rendered: Rendered, config: SyncConfig
) -> None:
    """``rendered.held`` gains, for each rich field written to a Data Center ``site``, the
    canonical document its wiki markup reads back as, where that differs from the value."""
    if site not in config.datacenter_sites:
        return
    maps = config.maps
    where = {DESCRIPTION: DESCRIPTION} | {
        custom.key: custom.ids[site]
        for custom in maps.custom
        if custom.type == "text" and site in custom.ids
    }
    for name, field_id in where.items():
        written = rendered.fields.get(field_id)
        if name not in values or not isinstance(written, dict):
            continue
        text = to_dc_wiki(written)
        back = from_dc_wiki(text) if text and text.strip() else None
        held = documents.canonical_document(site, back, maps.users, maps.files)
        if held != values[name]:
            rendered.held[name] = held
