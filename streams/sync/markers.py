"""Which link markers are trusted (pure), and the pair agent's check before a step.

The ``jira-sync.link`` issue property is readable and writable by anyone who can edit the
issue (https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/: "any
user who can edit an issue can also set its properties"), so a marker is only a claim.
The route agent routes an issue by its marker; the pair agent, which holds the pair's state
and sees every message of the pair in order, decides whether the claim stands:

- the issue is already the pair's side on its site, or the pair is the issue's own (it
  started it): trusted, nothing read;
- the pair's side on that site is empty and the pair has an unconfirmed create there: the
  marker must carry that create intent's nonce and ``mac`` = HMAC-SHA256(deployment secret,
  pair id + nonce), and the issue must not have been created by someone other than the sync
  account (when that account is known);
- anything else (a copy of another pair's marker, a pair the deployment does not know, a
  wrong or missing mac): the issue is re-routed to a pair of its own, with a warning.

Race-free because the check and the adoption happen in the same serial step of the pair's
partition: no message of the pair can change its sides in between. Markers written by older
versions (no mac) keep working for the side they are already on; an intent written by an
older version (no nonce) is matched by pair id, as it was.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from streams.jira.client import JiraClient
from streams.jira.errors import NotFound
from streams.state import PairState, PendingCreate
from streams.sync.messages import (
    LINK_PROPERTY,
    CommentChanged,
    IssueChanged,
    SiteNumber,
    pair_id_for,
)

log = logging.getLogger(__name__)

NONCE_HEX = 32  # 16 random bytes
REFUSED = "marker-refused"  # the warning code on the pair the issue gets instead


def new_nonce() -> str:
    """A create intent's random nonce (the marker's MAC covers it)."""
    return secrets.token_hex(16)


def mac_of(secret: SecretStr, pair_id: str, nonce: str) -> str:
    key = secret.get_secret_value().encode()
    return hmac.new(key, (pair_id + nonce).encode(), hashlib.sha256).hexdigest()


def signed(link: dict[str, Any], nonce: str, secret: SecretStr) -> dict[str, Any]:
    """The link marker of a create: the pair's link, its intent's nonce and their mac."""
    pair_id = str(link.get("pair_id", ""))
    return {**link, "nonce": nonce, "mac": mac_of(secret, pair_id, nonce)}


def vouches(marker: Any, pair_id: str, nonce: str | None, secret: SecretStr) -> bool:
    """``marker`` is the one the create with ``nonce`` of ``pair_id`` wrote (a legacy intent,
    without a nonce, is matched by pair id only)."""
    if not isinstance(marker, dict) or marker.get("pair_id") != pair_id:
        return False
    if nonce is None:
        return True
    mac = marker.get("mac")
    if marker.get("nonce") != nonce or not isinstance(mac, str):
        return False
    return hmac.compare_digest(mac, mac_of(secret, pair_id, nonce))


@dataclass(frozen=True)
class Seen:
    """What a fresh read of the issue says about its claim."""

    marker: Any = None
    creator: str | None = None  # account id


def placed(message: IssueChanged | CommentChanged, key: str, pair: PairState | None) -> bool:
    """The issue belongs here without looking at its marker."""
    if key == pair_id_for(message.site, message.issue_id):
        return True
    side = pair.side(message.site) if pair is not None else None
    return side is not None and side.id == message.issue_id


def adoptable(pair: PairState | None, site: SiteNumber) -> PendingCreate | None:
    """The unconfirmed create a marker-routed issue on ``site`` could be."""
    if pair is None or pair.pending_create is None or pair.side(site) is not None:
        return None
    return pair.pending_create if pair.pending_create.site == site else None


def refusal(
    message: IssueChanged | CommentChanged,
    key: str,
    pair: PairState | None,
    seen: Seen,
    ours: str | None,
    secret: SecretStr,
) -> str | None:
    """None when the issue is this pair's; else why its marker is not believed."""
    if placed(message, key, pair):
        return None
    name = f"{message.issue_key} (site {message.site})"
    if pair is None:
        return f"{name} carries a link marker for pair {key}, which this deployment does not know"
    pending = adoptable(pair, message.site)
    if pending is None:
        side = pair.side(message.site)
        held = side.key if side is not None else "nobody"
        return f"{name} carries a copy of the link marker of pair {pair.sync_id} ({held})"
    if isinstance(message, IssueChanged) and vouches(seen.marker, key, pending.nonce, secret):
        if ours is None or seen.creator in (None, ours):
            return None
        return f"{name} carries pair {key}'s signed marker but was created by someone else"
    return f"{name} claims pair {key}'s unconfirmed create without its signature"


def rerouted(message: IssueChanged | CommentChanged, reason: str) -> IssueChanged | CommentChanged:
    """The message for the issue's own pair, which warns why it is there."""
    return replace(message, refused=reason) if isinstance(message, IssueChanged) else message


async def read_claim(client: JiraClient, issue_id: str) -> Seen:
    """The marker and creator of an issue as JIRA has them now (nothing when it is gone)."""
    try:
        issue = await client.get_issue(issue_id, fields=["creator"], properties=[LINK_PROPERTY])
    except NotFound:
        return Seen()
    creator = issue.fields.get("creator")
    account = creator.get("accountId") if isinstance(creator, dict) else None
    return Seen(issue.properties.get(LINK_PROPERTY), account if isinstance(account, str) else None)


Send = Callable[[str, Any], Awaitable[None]]


async def checked(
    message: IssueChanged | CommentChanged,
    key: str,
    pair: PairState | None,
    read: Callable[[], Awaitable[Seen]],
    ours: str | None,
    secret: SecretStr,
    send: Send,
) -> bool:
    """True when the message is this pair's to handle; else it has been sent to the issue's
    own pair (``send``), with the reason."""
    if placed(message, key, pair):
        return True
    claims = isinstance(message, IssueChanged) and adoptable(pair, message.site) is not None
    seen = await read() if claims else Seen()
    reason = refusal(message, key, pair, seen, ours, secret)
    if reason is None:
        return True
    log.warning("link marker refused: %s", reason, extra={"pair_id": key})
    await send(pair_id_for(message.site, message.issue_id), rerouted(message, reason))
    return False
