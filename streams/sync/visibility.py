"""What the sync may not see, and what it may not show. Pure helpers of ``decide``.

- **404 is "not found or not allowed".** JIRA Cloud answers 404 for an issue the account
  may not see (security level, browse permission) exactly as for a deleted one
  (https://support.atlassian.com/jira-cloud-administration/docs/configure-issue-security-schemes/;
  the REST reference words it "the issue is not found or the user does not have permission
  to view it"). Only a ``jira:issue_deleted`` webhook says an issue was deleted, so the
  deletion policy runs only on that event confirmed by a fresh 404; any other 404 makes the
  pair ``unreachable`` (with a warning) and it is retried, never unlinked or deleted.
- **Security levels never leave their site unless mapped.** An issue with a level
  (``fields.security``) restricts who sees it; copying it to another company's site would
  leak it. Such an issue is not copied (pair ``skipped``, the warning says why) unless the
  mapping file's ``security_levels`` maps its level: then the copy carries the mapped level.
  A paired issue that gains an unmapped level pauses the pair (``skipped``): nothing is
  written either way until the level is removed or mapped; then both sides are merged
  against the base as usual (changes made meanwhile on either side sync, or conflict).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.state import PairState, PairStatus
from streams.sync import outcomes
from streams.sync.fields import SECURITY
from streams.sync.messages import SiteNumber, SyncConfig

LEVEL_WARNING = "security-level"
UNREACHABLE_WARNING = "unreachable"
PAUSED = frozenset({PairStatus.SKIPPED, PairStatus.UNREACHABLE})
SITES: tuple[SiteNumber, ...] = (1, 2)


def unmapped_level(values: dict[str, Any], config: SyncConfig) -> str | None:
    """The name of the issue's security level when the mapping file does not map it."""
    level = values.get(SECURITY)
    if level is None or level in config.maps.security_levels.one_to_two:
        return None
    text = str(level)
    return text.partition(":")[2] if text.startswith(("site1:", "site2:")) else text


def why_skipped(site: SiteNumber, key: str, level: str) -> str:
    return (
        f"{key} on site {site} has security level {level!r}: it is not synced to the other "
        "site (map the level under security_levels in the mapping file to sync it)"
    )


def skipped(pair: PairState, site: SiteNumber, key: str, level: str, now: datetime) -> PairState:
    """The pair stops: an issue of it carries a level that may not leave its site."""
    state = outcomes.warned(pair, LEVEL_WARNING, why_skipped(site, key, level), now)
    return state.model_copy(update={"status": PairStatus.SKIPPED})


def unreachable(pair: PairState, site: int, now: datetime) -> PairState:
    """A side answers 404 without a deletion event: kept, warned about, retried."""
    ref = pair.side(1 if site == 1 else 2)
    key = ref.key if ref is not None else "the issue"
    message = (
        f"{key} on site {site} answers 404: deleted, or hidden from the sync account (a "
        "security level or a missing browse permission); nothing is synced and the other "
        "issue is left as it is until it can be read again or its deletion event arrives"
    )
    state = outcomes.warned(pair, UNREACHABLE_WARNING, message, now)
    return state.model_copy(update={"status": PairStatus.UNREACHABLE})


def reachable(pair: PairState, now: datetime) -> PairState:
    """Both sides are readable and may be synced again: the pause's warnings go."""
    state = outcomes.cleared(pair, UNREACHABLE_WARNING, now)
    return outcomes.cleared(state, LEVEL_WARNING, now)


def blocked_side(
    pair: PairState, observed: dict[int, dict[str, Any]], config: SyncConfig
) -> tuple[SiteNumber, str, str] | None:
    """``(site, key, level)`` of a side whose fresh values carry an unmapped level."""
    for site in SITES:
        level = unmapped_level(observed.get(site, {}), config)
        ref = pair.side(site)
        if level is not None:
            return site, ref.key if ref is not None else "", level
    return None


def resumed(pair: PairState, now: datetime) -> PairState:
    """A paused pair whose counterpart is still to be made: pending again."""
    return reachable(pair, now).model_copy(update={"status": PairStatus.PENDING})
