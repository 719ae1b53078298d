"""Rebuild the pair table and the link tables by folding the journal back through ``handle``.

Each journalled step runs again: the same input message, clock and cross-step knowledge,
and a JIRA that answers from the record (``journal.ReplayTransport``) and sends nothing.
The rebuilt state after each step is checked against the fingerprint the worker recorded,
so "exactly" is verified step by step, not assumed. A pair whose replay asks JIRA
something the worker did not ask, or ends elsewhere, is reported as diverged (the code or
the mapping file is not the one that wrote the journal) and no longer followed; a pair
whose history starts before the journal's oldest record is reported as incomplete.

The fold follows the worker exactly: a create's intent replaces the pair when it was made
durable, a step's result replaces it when it differs, and a redelivered step (Kafka's
at-least-once) starts from the state it started from on the worker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.jira.client import JiraClient
from streams.state import PairState
from streams.sync import journal
from streams.sync.applier import Applier
from streams.sync.catalog import custom_field
from streams.sync.engine import handle
from streams.sync.fields import UserMap
from streams.sync.mapping import CustomFieldSpec
from streams.sync.messages import SyncConfig
from streams.sync.normalize import message_from_json
from streams.sync.policy import dead_letter_due, retry_due_on, with_custom_fields

HISTORY = 32  # states remembered per pair, for redelivered steps


async def _no_wait(seconds: float) -> None:
    return None


@dataclass
class Rebuilt:
    pairs: dict[str, PairState] = field(default_factory=dict)
    links: dict[int, dict[str, str]] = field(default_factory=lambda: {1: {}, 2: {}})
    steps: int = 0
    intents: int = 0
    routes: int = 0
    unreadable: int = 0
    diverged: dict[str, str] = field(default_factory=dict)  # pair -> why
    incomplete: set[str] = field(default_factory=set)


@dataclass
class JournalFold:
    """``take`` each journal record in log order (per partition); ``rebuilt`` is the result."""

    base: SyncConfig  # from the settings and the mapping file, as the worker builds it
    custom_specs: Mapping[str, CustomFieldSpec]
    rebuilt: Rebuilt = field(default_factory=Rebuilt)
    _history: dict[str, dict[str | None, PairState | None]] = field(default_factory=dict)

    async def take(self, record: Mapping[str, Any]) -> None:
        kind = record.get("kind")
        try:
            if kind == "step":
                await self._step(record)
            elif kind == "intent":
                self._intent(str(record["pair"]), PairState.model_validate(record["state"]))
            elif kind == "route":
                self.rebuilt.links[int(record["site"])][str(record["issue"])] = str(record["pair"])
                self.rebuilt.routes += 1
            else:
                self.rebuilt.unreadable += 1
        except (KeyError, TypeError, ValueError):
            self.rebuilt.unreadable += 1

    def _intent(self, pair: str, state: PairState) -> None:
        self.rebuilt.intents += 1
        if pair not in self.rebuilt.diverged:
            self._set(pair, state)

    def _set(self, pair: str, state: PairState) -> None:
        self.rebuilt.pairs[pair] = state
        history = self._history.setdefault(pair, {None: None})
        history[journal.digest(state)] = state
        while len(history) > HISTORY:
            del history[next(iter(history))]

    async def _step(self, record: Mapping[str, Any]) -> None:
        pair = str(record["pair"])
        self.rebuilt.steps += 1
        if pair in self.rebuilt.diverged or pair in self.rebuilt.incomplete:
            return
        if record.get("trimmed"):  # over Kafka's size limit: JIRA's answers are not all there
            self.rebuilt.diverged[pair] = "its journal record was trimmed to fit in Kafka"
            return
        wanted = record.get("before")
        history = self._history.get(pair, {None: None})
        if wanted not in history:
            if pair not in self._history:
                self.rebuilt.incomplete.add(pair)  # it began before the journal's start
            else:
                self.rebuilt.diverged[pair] = "a step started from a state the replay never had"
            return
        before = history[wanted]
        exchanges = journal.Exchanges(record.get("exchanges") or [])
        try:
            config, applier = self._replayed(record.get("context") or {}, exchanges, pair)
        except KeyError as missing:
            self.rebuilt.diverged[pair] = f"custom field {missing} is not in the mapping file"
            return
        now = datetime.fromisoformat(str(record["at"]))
        message = message_from_json(record["input"])
        try:
            result = await handle(message, before, config, applier, now)
        except journal.Diverged as error:
            self.rebuilt.diverged[pair] = str(error)
            return
        state = result.state
        if state is not None:  # marked as the worker marked it (its dead letter is not sent)
            state, _ = dead_letter_due(message, before, state)
        due = record.get("retry_due")
        if due and state is not None:
            state = retry_due_on(state, datetime.fromisoformat(str(due)))
        if exchanges.left():
            self.rebuilt.diverged[pair] = f"the worker asked JIRA {exchanges.left()} more time(s)"
        elif journal.digest(state) != record.get("after"):
            self.rebuilt.diverged[pair] = "the step ended in another state than on the worker"
        elif state is not None and state != before:
            self._set(pair, state)

    def _replayed(
        self, context: Mapping[str, Any], exchanges: journal.Exchanges, pair: str
    ) -> tuple[SyncConfig, Applier]:
        users = UserMap(dict(context.get("users") or {}))
        maps = dataclasses.replace(self.base.maps, users=users)
        custom = [
            custom_field(self.custom_specs[name], {int(s): i for s, i in ids.items()})
            for name, ids in (context.get("custom") or {}).items()
        ]
        accounts = {int(site): str(a) for site, a in (context.get("accounts") or {}).items()}
        config = dataclasses.replace(self.base, maps=maps, integration_accounts=accounts)
        config = dataclasses.replace(config, **with_custom_fields(config, custom))
        clients = {site: JiraClient(journal.ReplayTransport(site, exchanges)) for site in (1, 2)}
        journal.with_quiet(clients, context)
        catalogs = (
            None
            if context.get("catalogs") is False
            else journal.ReplayCatalogs(
                clients=clients,
                project_keys=config.project_keys,
                maps=config.maps,
                create_missing=config.create_missing,
                exchanges=exchanges,
            )
        )

        async def intent(state: PairState) -> None:
            self._set(pair, state)

        applier = Applier(
            clients,
            config,
            {int(site): str(url) for site, url in (context.get("browse") or {}).items()},
            graphs=journal.graphs_from(context),
            before_writes=intent,
            catalogs=catalogs,
            sleep=_no_wait,  # the waits between the worker's attempts are in the past
            nonce=journal.replayed_nonce(exchanges),
        )
        return config, applier
