"""The two JIRA sites of a deployment, by number (1 and 2): the one definition every
module types a site with."""

from __future__ import annotations

from typing import Literal

SiteNumber = Literal[1, 2]
SITES: tuple[SiteNumber, SiteNumber] = (1, 2)
