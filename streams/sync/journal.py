"""The journal: what each pair step took from outside the pure model, so the log is whole.

The events topics alone do not determine the pair states: a step reads both issues fresh
from JIRA (that is what stops ping-pong on reordered deliveries) and folds JIRA's answers
(created keys, errors) into the pair. So every step also writes one journal record: its
input message, its clock, the cross-step knowledge it could consult (learned users,
workflow graphs, custom field ids, integration accounts) and every JIRA exchange in order,
answers and errors included. A create's intent (made durable before the create is sent)
and each issue's routing to a pair are journalled too.

``jira-sync replay --events`` (``streams.sync.replay``) folds the journal back through the
same ``handle`` with a JIRA that answers from the record and sends nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.jira import errors as jira_errors
from streams.jira.client import JiraClient
from streams.jira.errors import JiraError, RetryableJiraError
from streams.jira.models import Transition
from streams.jira.transport import JiraTransport, Params
from streams.state import PairState
from streams.sync.catalog import SiteCatalogs
from streams.sync.fields import Priorities
from streams.sync.journal_size import fitted
from streams.sync.messages import PairMessage
from streams.sync.normalize import message_to_json
from streams.sync.transitions import WorkflowGraph

VERSION = 1


def digest(state: PairState | None) -> str | None:
    """A short fingerprint of a pair state: how a replay checks it is where the worker was."""
    return hashlib.sha256(state.to_bytes()).hexdigest()[:32] if state is not None else None


@dataclass
class StepRecord:
    pair: str
    at: datetime
    input: dict[str, Any]
    before: str | None
    context: dict[str, Any]
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    retry_due: datetime | None = None
    after: str | None = None

    def to_bytes(self) -> bytes:
        record = {
            "v": VERSION,
            "kind": "step",
            "pair": self.pair,
            "at": self.at.isoformat(),
            "input": self.input,
            "before": self.before,
            "context": self.context,
            "exchanges": self.exchanges,
            "retry_due": self.retry_due.isoformat() if self.retry_due else None,
            "after": self.after,
        }
        return fitted(record)  # one Kafka message, whatever JIRA answered


def intent_record(pair: str, state: PairState) -> bytes:
    """A create's intent, durable before the create is sent (a crash may follow it)."""
    body = {"v": VERSION, "kind": "intent", "pair": pair, "state": state.model_dump(mode="json")}
    return fitted(body)


def route_record(site: int, issue: str, pair: str) -> bytes:
    """An issue's pair, decided once (by its link marker) and then kept in the link table."""
    body = {"v": VERSION, "kind": "route", "site": site, "issue": issue, "pair": pair}
    return json.dumps(body, separators=(",", ":")).encode()


# --- what a step could consult besides its input -----------------------------------------


def context_of(
    accounts: Mapping[int, str],
    custom_ids: Mapping[str, Mapping[int, str]],
    users: Mapping[str, str],
    graphs: Mapping[int, WorkflowGraph],
    browse_urls: Mapping[int, str],
    catalogs: bool = True,
) -> dict[str, Any]:
    return {
        "catalogs": catalogs,
        "accounts": {str(site): account for site, account in accounts.items()},
        "custom": {name: {str(s): i for s, i in ids.items()} for name, ids in custom_ids.items()},
        "users": dict(users),
        "graphs": {
            str(site): {
                status: {to: t.model_dump(mode="json", by_alias=True) for to, t in exits.items()}
                for status, exits in graph.exits.items()
            }
            for site, graph in graphs.items()
        },
        "browse": {str(site): url for site, url in browse_urls.items()},
    }


def quiet_of(clients: Mapping[int, JiraClient]) -> dict[str, bool | None]:
    """What each site's client knows of ``notifyUsers=false`` (None: not yet): an edit's
    request depends on it, so the step's context carries it for the replay."""
    return {str(site): client.discards_notifications for site, client in clients.items()}


def with_quiet(clients: Mapping[int, JiraClient], context: Mapping[str, Any]) -> None:
    """Replay clients that know what the worker's knew (a journal without it: unknown)."""
    for site, known in (context.get("quiet") or {}).items():
        if int(site) in clients and known in (True, False, None):
            clients[int(site)].discards_notifications = known


def graphs_from(context: Mapping[str, Any]) -> dict[int, WorkflowGraph]:
    graphs = {1: WorkflowGraph(), 2: WorkflowGraph()}
    for site, exits in context.get("graphs", {}).items():
        graphs[int(site)].exits = {
            status: {to: Transition.model_validate(t) for to, t in targets.items()}
            for status, targets in exits.items()
        }
    return graphs


# --- recording -----------------------------------------------------------------------------

_recording: ContextVar[StepRecord | None] = ContextVar("journal_step", default=None)


@contextlib.contextmanager
def recording(record: StepRecord | None) -> Iterator[None]:
    """JIRA exchanges made inside the block (in this task) are added to ``record``."""
    token = _recording.set(record)
    try:
        yield
    finally:
        _recording.reset(token)


def _note(entry: dict[str, Any]) -> None:
    record = _recording.get()
    if record is not None:
        record.exchanges.append(entry)


def plain(value: Any) -> Any:
    """As JSON would give it back (tuples become lists), so a replay can compare requests."""
    return json.loads(json.dumps(value)) if value is not None else None


def error_to_json(error: JiraError) -> dict[str, Any]:
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return {
        "type": type(error).__name__,
        "method": error.method,
        "path": error.path,
        "status": error.status,
        "messages": error.messages,
        "errors": error.errors,
        "retry_after": after,
    }


def error_from_json(raw: Mapping[str, Any]) -> JiraError:
    kind = getattr(jira_errors, str(raw.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, JiraError)):
        kind = jira_errors.PermanentJiraError
    args = (raw["method"], raw["path"], raw.get("status"), raw.get("messages"), raw.get("errors"))
    if issubclass(kind, RetryableJiraError):
        return kind(*args, retry_after=raw.get("retry_after"))
    return kind(*args)


def request_entry(
    site: int, method: str, path: str, params: Params | None, body: Any
) -> dict[str, Any]:
    """A request as the journal holds it (and as a replayed request must match it)."""
    return {
        "site": site,
        "method": method.upper(),
        "path": path,
        "params": plain(params),
        "json": plain(body),
    }


class JournalledTransport(JiraTransport):
    """The real transport; inside ``recording`` each logical request and its outcome (after
    the transport's own retries) is noted."""

    site: int = 0

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        entry = request_entry(self.site, method, path, params, json)
        try:
            answer = await super().request(
                method, path, params=params, json=json, idempotent=idempotent
            )
        except JiraError as error:
            _note({**entry, "error": error_to_json(error)})
            raise
        _note({**entry, "answer": answer})
        return answer


def recorded_nonce() -> str:
    """A create intent's random nonce (``streams.sync.markers``), noted for the replay."""
    value = secrets.token_hex(16)
    _note({"random": "nonce", "answer": value})
    return value


class JournalledCatalogs(SiteCatalogs):
    """The catalogs' answers are noted as they were given to the step (cached or read):
    a cache is worker-local, so its hits are part of what the step consulted."""

    async def available(
        self, site: int, wanted: dict[str, list[str]] | None = None
    ) -> dict[str, frozenset[str]]:
        entry: dict[str, Any] = {"catalog": "available", "site": site, "wanted": plain(wanted)}
        try:
            with recording(None):
                names = await super().available(site, wanted)
        except JiraError as error:
            _note({**entry, "error": error_to_json(error)})
            raise
        _note({**entry, "answer": {name: sorted(values) for name, values in names.items()}})
        return names

    async def priorities(self, site: int) -> Priorities | None:
        entry: dict[str, Any] = {"catalog": "priorities", "site": site}
        try:
            with recording(None):
                found = await super().priorities(site)
        except JiraError as error:
            _note({**entry, "error": error_to_json(error)})
            raise
        answer = None if found is None else {"names": sorted(found.names), "default": found.default}
        _note({**entry, "answer": answer})
        return found

    async def learn_user(self, target: int, canonical: str) -> None:
        before = dict(self.maps.users.one_to_two)
        with recording(None):
            await super().learn_user(target, canonical)
        learned = [[k, v] for k, v in self.maps.users.one_to_two.items() if k not in before]
        entry = {"catalog": "learn_user", "target": target, "canonical": canonical}
        _note({**entry, "learned": learned})


# --- answering from the record ------------------------------------------------------------


class Diverged(Exception):
    """The replayed step asked for something the worker did not: the code or configuration
    is not the one that wrote the journal."""


class Exchanges:
    """One step's recorded exchanges, consumed in order."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._entries = list(entries)
        self._next = 0

    def take(self, what: str, expected: Mapping[str, Any]) -> dict[str, Any]:
        if self._next >= len(self._entries):
            raise Diverged(f"the replay asked for {what} the worker never asked for")
        entry = self._entries[self._next]
        differ = [name for name, value in expected.items() if entry.get(name) != value]
        if differ:
            said = _said(entry)
            if all(name in ("params", "json", "wanted") for name in differ):
                said += " with other " + " and ".join(differ)
            raise Diverged(f"the replay asked for {what}; the worker asked {said}")
        self._next += 1
        return entry

    def left(self) -> int:
        return len(self._entries) - self._next


def _said(entry: Mapping[str, Any]) -> str:
    if "random" in entry:
        return f"a random {entry['random']}"
    if "catalog" in entry:
        return f"the catalog {entry['catalog']} of site {entry.get('site', entry.get('target'))}"
    return f"{entry.get('method')} {entry.get('path')} on site {entry.get('site')}"


class ReplayTransport(JiraTransport):
    """JIRA for a replay: every answer comes from the journal, nothing is sent."""

    def __init__(self, site: int, exchanges: Exchanges) -> None:  # no session: no network
        self.site = site
        self.exchanges = exchanges

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        expected = request_entry(self.site, method, path, params, json)
        entry = self.exchanges.take(f"{method.upper()} {path} on site {self.site}", expected)
        if "error" in entry:
            raise error_from_json(entry["error"])
        return entry.get("answer")


def replayed_nonce(exchanges: Exchanges) -> Callable[[], str]:
    """The nonces the worker drew, in order."""

    def nonce() -> str:
        return str(exchanges.take("a random nonce", {"random": "nonce"})["answer"])

    return nonce


@dataclass
class ReplayCatalogs(SiteCatalogs):
    """The catalogs' answers as the worker's catalogs gave them."""

    exchanges: Exchanges = field(default_factory=lambda: Exchanges([]))

    async def available(
        self, site: int, wanted: dict[str, list[str]] | None = None
    ) -> dict[str, frozenset[str]]:
        expected = {"catalog": "available", "site": site, "wanted": plain(wanted)}
        entry = self.exchanges.take(f"the catalog of site {site}", expected)
        if "error" in entry:
            raise error_from_json(entry["error"])
        return {name: frozenset(values) for name, values in entry["answer"].items()}

    async def priorities(self, site: int) -> Priorities | None:
        expected = {"catalog": "priorities", "site": site}
        entry = self.exchanges.take(f"the priorities of site {site}", expected)
        if "error" in entry:
            raise error_from_json(entry["error"])
        answer = entry["answer"]
        if answer is None:
            return None
        return Priorities(frozenset(answer["names"]), str(answer["default"]))

    async def learn_user(self, target: int, canonical: str) -> None:
        expected = {"catalog": "learn_user", "target": target, "canonical": canonical}
        entry = self.exchanges.take(f"a user lookup on site {target}", expected)
        for one, two in entry.get("learned", []):
            self.maps.users.learned.learn(one, two)


def start(
    pair: str,
    message: PairMessage,
    before: PairState | None,
    context: dict[str, Any],
    now: datetime,
) -> StepRecord:
    return StepRecord(pair, now, message_to_json(message), digest(before), context)
