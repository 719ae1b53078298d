"""Rich text from webhooks is not what REST holds.

JIRA renders rich text (the description, paragraph custom fields) in webhook bodies as wiki
markup, not ADF (``h2. A heading``, ``*bold*``, ``[text|url]``); REST v3 reads and writes
ADF. Written to the other site as it came, that markup would arrive as literal characters.
So a value of these fields is never written from webhook text: a counterpart created from
a webhook takes them from a REST read of its origin first (``Applier``), and everything
else is written from fresh REST reads already (the merge). Converting ADF to the canonical
plain text loses formatting (headings, marks, link targets), never adds characters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from streams.state import PairState
from streams.sync.fields import FieldMaps
from streams.sync.messages import CreateCounterpart, Fetch, Observation

DESCRIPTION = "description"


def rich_fields(maps: FieldMaps) -> list[str]:
    """The synced fields whose webhook text may be wiki markup."""
    return [DESCRIPTION, *(custom.key for custom in maps.custom if custom.type == "text")]


def carries_webhook_text(values: Mapping[str, Any], maps: FieldMaps) -> bool:
    """Values taken from a webhook that hold rich text to be read again through REST."""
    return any(values.get(name) for name in rich_fields(maps))


async def from_origin(
    pair: PairState,
    create: CreateCounterpart,
    observe: Callable[[Fetch], Awaitable[Observation]],
    maps: FieldMaps,
) -> CreateCounterpart | None:
    """``create`` with its rich text fields as a REST read of the origin holds them (None:
    the origin cannot be read). The other values stay as the model chose them."""
    origin = pair.side(pair.origin)
    if origin is None:
        return create
    seen = await observe(Fetch(origin.site, origin.key))
    if not seen.exists:
        return None
    rich = {name: seen.values.get(name) for name in rich_fields(maps) if name in create.values}
    return dataclasses.replace(create, values={**create.values, **rich}, webhook_text=False)
