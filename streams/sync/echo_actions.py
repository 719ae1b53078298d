"""The read that stands in for an echo that never came (``streams.sync.overwrites``).

JIRA may drop a webhook (https://developer.atlassian.com/cloud/jira/platform/webhooks/:
delivery is retried a few times, then given up), and a write whose echo is lost would
leave an overwrite unseen. The issue's changelog holds the same ``from`` values as the
echo (JIRA writes the change history with the change), so the periodic sweep reads it
once for a pair whose writes are still unchecked a sweep interval after they were made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from streams.sites import SiteNumber


@dataclass(frozen=True)
class ReadEchoes:
    """The changelog of ``issue_key`` read for the writes ``believed`` lists (field ->
    [what the sync read there before, what it wrote]), as their echo would have shown."""

    site: SiteNumber
    issue_key: str
    believed: dict[str, list[Any]] = field(default_factory=dict)
