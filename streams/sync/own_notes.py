"""The actions writing the sync's own notes on an issue: the link marker of an existing
issue linked by the operator (``streams.sync.linking``) and the attribution comment naming
a reporter the site would not take (``streams.sync.at_create``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.sites import SiteNumber


@dataclass(frozen=True)
class Mark:
    """The link marker on an issue the pair did not create (a linked existing issue):
    ``link`` names the pair and its other issue; the effect signs it."""

    site: SiteNumber
    issue_key: str
    link: dict[str, Any]


@dataclass(frozen=True)
class Attribute:
    """A line on the counterpart naming who did what on the origin (a reporter the site
    would not take), written as a comment by the sync account: it never comes back."""

    site: SiteNumber
    issue_key: str
    text: str
