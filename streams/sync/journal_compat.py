"""What the worker and the applier used of the journal when it held HTTP transcripts.

Nothing here records anything any more: the journal holds each step's events
(``journal.step_record``). These names stay until every caller is wired to it; then this
module goes. A record written through ``start``/``StepRecord`` says it is of the old
format, so a replay reports its pair as incomplete instead of folding it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.transport import JiraTransport
from streams.state import PairState
from streams.sync.catalog import SiteCatalogs
from streams.sync.messages import PairMessage
from streams.sync.normalize import message_to_json
from streams.sync.transitions import WorkflowGraph

JournalledCatalogs = SiteCatalogs  # the catalogs' answers are no longer noted


class JournalledTransport(JiraTransport):
    """The plain transport (a step's JIRA exchanges are no longer journalled)."""

    site: int = 0


def recorded_nonce() -> str:
    """A create intent's random nonce (``streams.sync.markers``)."""
    return secrets.token_hex(16)


@dataclass
class StepRecord:
    """A step in the old record format: written as ``"v": 1`` without a transcript."""

    pair: str
    at: datetime
    input: dict[str, Any]
    before: str | None
    context: dict[str, Any]
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    retry_due: datetime | None = None
    after: str | None = None

    def to_bytes(self) -> bytes:
        body = {"v": 1, "kind": "step", "pair": self.pair, "at": self.at.isoformat()}
        return json.dumps({**body, "input": self.input, "after": self.after}).encode()


def start(
    pair: str,
    message: PairMessage,
    before: PairState | None,
    context: dict[str, Any],
    now: datetime,
) -> StepRecord:
    before_digest = hashlib.sha256(before.to_bytes()).hexdigest()[:32] if before else None
    return StepRecord(pair, now, message_to_json(message), before_digest, context)


@contextlib.contextmanager
def recording(record: StepRecord | None) -> Iterator[None]:
    """Nothing is noted any more."""
    yield


def context_of(
    accounts: Mapping[int, str],
    custom_ids: Mapping[str, Mapping[int, str]],
    users: Mapping[str, str],
    graphs: Mapping[int, WorkflowGraph],
    browse_urls: Mapping[int, str],
    catalogs: bool = True,
) -> dict[str, Any]:
    return {"catalogs": catalogs, "users": dict(users), "browse": dict(browse_urls)}


def quiet_of(clients: Mapping[int, JiraClient]) -> dict[str, bool | None]:
    return {str(site): client.discards_notifications for site, client in clients.items()}
