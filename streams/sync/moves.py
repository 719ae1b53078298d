"""Issues moved between projects: pure checks for ``decide``.

JIRA keeps an issue's id when it is moved to another project, gives it a key of the target
project and sends a ``jira:issue_updated`` webhook (``issue_moved``) whose issue carries the
new key; the old key keeps resolving on REST reads
(https://support.atlassian.com/migration/kb/migration-of-jiras-historical-keys-for-issues-and-projects).
The key's prefix is the issue's project, in webhooks and in fresh reads alike.

- An issue of a pair moved out of its site's synced project stops syncing: the pair is
  ``orphaned`` with a warning "moved to NEW-KEY"; nothing is written to, unlinked from or
  deleted on either side, and later events of the pair are ignored.
- An issue moved into the synced project that no pair knows is new there: its first event
  with a key of the synced project starts a pair, as a create does (``_first_sight``).
"""

from __future__ import annotations

import re
from datetime import datetime

from streams.state import PairState, PairStatus, PairWarning
from streams.sync.messages import Observation, SiteNumber, SyncConfig

ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-\d+$")
MOVED = "issue-moved"


def project_of(key: str) -> str | None:
    """The project key of issue key ``key`` (``PROJ1-7`` -> ``PROJ1``); None for an id."""
    match = ISSUE_KEY.match(key.upper())
    return match.group(1) if match else None


def moved_out(site: SiteNumber, key: str, config: SyncConfig) -> bool:
    """``key`` (an issue of ``site``) is in another project than the site's synced one."""
    synced, project = config.project_keys.get(site), project_of(key)
    return synced is not None and project is not None and project != synced.upper()


def moved_side(
    observed: dict[int, Observation], config: SyncConfig
) -> tuple[SiteNumber, str] | None:
    """The site and new key of a freshly read issue that is no longer in the synced project
    (read by its old key, JIRA answers with the moved issue and its new key)."""
    for site in sorted(observed):
        observation = observed[site]
        if observation.exists and moved_out(observation.site, observation.issue_key, config):
            return observation.site, observation.issue_key
    return None


def orphaned_by_move(pair: PairState, site: SiteNumber, key: str, now: datetime) -> PairState:
    """The pair once its issue on ``site`` has moved out to ``key``: orphaned, and says why."""
    warning = PairWarning(
        code=MOVED,
        message=f"moved to {key}: the issue on site {site} left the synced project; "
        "the pair is no longer synced",
        at=now,
    )
    return pair.model_copy(
        update={
            "status": PairStatus.ORPHANED,
            "warnings": [*pair.warnings, warning],
            "version": pair.version + 1,
            "updated_at": now,
        }
    )
