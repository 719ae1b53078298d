"""What-if replay: the journal's steps decided again with another mapping, touching nothing.

For every step the journal folds exactly (``streams.sync.replay``) from a time on, the
step's input and its recorded observations (``IssueObserved``: JIRA's raw REST ``fields``)
are decided twice by the pure model: with the current configuration and with the new one,
each mapping the raw fields itself (``fields.canonical``). What each decision would send
to the sites is rendered as the site would receive it (field values in REST form,
transitions by the site's status name), and the steps where the two differ are reported
per pair.

Each step is decided from the state the worker really had before it: a difference does
not carry into later steps (JIRA's answers to writes never made are not in the journal).
Steps that cannot be looked at are counted as incomplete: the pair's fold stopped
(diverged or incomplete) or the step's raw fields were trimmed to fit one Kafka message.
Custom fields are re-mapped only as far as the configurations know their ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.state import PairState
from streams.sync.events import IssueObserved, PairEvent
from streams.sync.fields import FieldMaps, canonical, render
from streams.sync.messages import (
    Action,
    CreateCounterpart,
    Fetch,
    Observation,
    PairMessage,
    RecoverCreate,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.model import decide
from streams.sync.replay import Folded, JournalFold


def decided(
    message: PairMessage,
    pair: PairState | None,
    config: SyncConfig,
    now: datetime,
    observed: dict[int, Observation],
) -> list[Action]:
    """The model's actions for one step, given what the step read (the one call of the
    model: as the engine calls it, first without reads, then with them if it asked)."""
    decision = decide(message, pair, config, now)
    if observed and any(isinstance(action, Fetch) for action in decision.actions):
        decision = decide(message, pair, config, now, observed)
    return decision.actions


def observations(facts: Iterable[PairEvent], maps: FieldMaps) -> dict[int, Observation]:
    """The step's fresh reads, their raw fields mapped with ``maps``."""
    seen: dict[int, Observation] = {}
    for fact in facts:
        if isinstance(fact, IssueObserved):
            values = canonical(fact.site, fact.fields, maps) if fact.exists else {}
            seen[fact.site] = Observation(
                site=fact.site,
                issue_id=fact.issue_id,
                issue_key=fact.issue_key,
                values=values,
                updated=fact.updated,
                exists=fact.exists,
            )
    return seen


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _fields(site: int, where: str, values: dict[str, Any], maps: FieldMaps) -> list[str]:
    rendered = render(1 if site == 1 else 2, values, maps).fields
    return [f"site {site} {where}: {name} = {_shown(v)}" for name, v in sorted(rendered.items())]


def _status(site: int, where: str, status: str, maps: FieldMaps) -> str:
    name = maps.statuses.to_site(1 if site == 1 else 2, status) or status
    return f"site {site} {where}: transition to {name}"


def sent(actions: Iterable[Action], maps: FieldMaps) -> list[str]:
    """What the sites would receive, one line per field write or transition."""
    lines: list[str] = []
    for action in actions:
        if isinstance(action, WriteFields):
            lines += _fields(action.site, action.issue_key, action.values, maps)
        elif isinstance(action, TransitionTo):
            where = action.issue_key or "(new issue)"
            lines.append(_status(action.site, where, action.status, maps))
        elif isinstance(action, CreateCounterpart | RecoverCreate):
            where = f"new issue in {action.project_key}"
            lines += _fields(action.site, where, action.values, maps)
            if action.status:
                lines.append(_status(action.site, where, action.status, maps))
        elif not isinstance(action, Fetch):
            lines.append(f"site {action.site}: {type(action).__name__}")
    return lines


@dataclass(frozen=True)
class Difference:
    at: datetime
    trigger: str
    before: list[str]  # sent with the current configuration only
    after: list[str]  # sent with the new configuration only


@dataclass
class WhatIf:
    steps: int = 0  # looked at
    incomplete: int = 0  # since the start time, not looked at
    pairs: dict[str, list[Difference]] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # pair -> why its fold stopped


def trigger(message: Mapping[str, Any]) -> str:
    kind = message.get("type", "change")
    if kind == "change":
        return f"{message.get('issue_key')} {message.get('kind')} on site {message.get('site')}"
    if kind == "comment":
        return f"comment {message.get('kind')} on {message.get('issue_key')}"
    return f"{kind} ({message.get('reason') or message.get('sync_id') or ''})"


def compared(folded: Folded, old: SyncConfig, new: SyncConfig) -> Difference | None:
    """The step's writes under both configurations, when they differ."""
    step = folded.step
    was = sent(
        decided(folded.message, folded.before, old, step.at, observations(folded.facts, old.maps)),
        old.maps,
    )
    now = sent(
        decided(folded.message, folded.before, new, step.at, observations(folded.facts, new.maps)),
        new.maps,
    )
    if was == now:
        return None
    gone = [line for line in was if line not in now]
    added = [line for line in now if line not in was]
    return Difference(step.at, trigger(step.input), gone, added)


@dataclass
class WhatIfReplay:
    """``take`` each journal record in log order; ``done`` says what would differ for the
    steps since ``since`` (all: None), decided with ``old`` and ``new``."""

    old: SyncConfig
    new: SyncConfig
    since: datetime | None = None
    report: WhatIf = field(default_factory=WhatIf)
    fold: JournalFold = field(default_factory=JournalFold)
    failed: dict[str, str] = field(default_factory=dict)  # pair -> why deciding it raised

    def take(self, raw: Mapping[str, Any]) -> None:
        steps = self.fold.rebuilt.steps
        folded = self.fold.take(raw)
        if self.fold.rebuilt.steps == steps:
            return  # not a step
        if folded is None or (folded.step.dropped or "").startswith("fields"):
            self.report.incomplete += _since(raw, self.since)
        elif self.since is None or folded.step.at >= self.since:
            try:
                difference = compared(folded, self.old, self.new)
            except Exception as error:  # a mapping the engine cannot work with: said, not fatal
                self.report.incomplete += 1
                self.failed.setdefault(folded.step.pair, f"{type(error).__name__}: {error}")
                return
            self.report.steps += 1
            if difference is not None:
                self.report.pairs.setdefault(folded.step.pair, []).append(difference)

    def done(self) -> WhatIf:
        """The report, with the pairs whose fold stopped and why."""
        stopped = {**self.fold.rebuilt.diverged, **self.fold.rebuilt.reasons}
        self.report.stopped = {**stopped, **self.failed}
        return self.report


def what_if(
    records: Iterable[Mapping[str, Any]],
    old: SyncConfig,
    new: SyncConfig,
    since: datetime | None = None,
) -> WhatIf:
    """Every step since ``since`` (all: None), decided with ``old`` and ``new``."""
    replay = WhatIfReplay(old, new, since)
    for raw in records:
        replay.take(raw)
    return replay.done()


def _since(raw: Mapping[str, Any], since: datetime | None) -> int:
    if since is None:
        return 1
    try:
        return int(datetime.fromisoformat(str(raw.get("at"))) >= since)
    except ValueError:
        return 1


def lines(report: WhatIf) -> list[str]:
    """The report as the CLI prints it."""
    out: list[str] = []
    for pair, differences in sorted(report.pairs.items()):
        out.append(f"pair {pair}: {len(differences)} step(s) would write differently")
        for difference in differences:
            out.append(f"  {difference.at.isoformat()} {difference.trigger}:")
            out += [f"    - {line}" for line in difference.before]
            out += [f"    + {line}" for line in difference.after]
    for pair, why in sorted(report.stopped.items()):
        out.append(f"  not followed: pair {pair}: {why}")
    changed = sum(len(d) for d in report.pairs.values())
    out.append(
        f"what-if: {report.steps} step(s) decided again, {changed} would write differently "
        f"({len(report.pairs)} pair(s)), {report.incomplete} incomplete"
    )
    return out
