"""A pair's timeline from its journal records, with no I/O: what the console's pair page and
``jira-sync history`` show.

Each step record (``streams.sync.journal``, version 2) becomes one ``Entry``: its time, what
came in (a change from a site, a resolve, a retry, a comment), every event the step
produced (one short line each) and its outcome (the pair's fingerprint before and after, the
retry due). An intent record is the state made durable before a JIRA write; a route record
is where an issue was first routed. Records of an older version are shown as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_SCALAR_CHARS = 60


@dataclass(frozen=True)
class Entry:
    at: str  # ISO time; "" when the record has none (intents and routes)
    kind: str  # "step", "intent", "route", "old" or "unreadable"
    title: str
    events: tuple[str, ...] = ()
    outcome: tuple[str, ...] = field(default_factory=tuple)


def entries(records: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """The records in the order given (log order of the pair's partition)."""
    return [entry(raw) for raw in records]


def entry(raw: Mapping[str, Any]) -> Entry:
    kind = raw.get("kind")
    if kind == "step" and raw.get("v") == 2:
        return _step(raw)
    if kind == "step":
        return Entry("", "old", f"a step recorded by journal version {raw.get('v')!r}")
    if kind == "intent":
        state = raw.get("state")
        status = state.get("status") if isinstance(state, Mapping) else None
        detail = f" (pair {status})" if status else ""
        return Entry("", "intent", f"state made durable before writing to JIRA{detail}")
    if kind == "route":
        issue, site = raw.get("issue"), raw.get("site")
        return Entry("", "route", f"issue {issue} of site {site} routed to pair {raw.get('pair')}")
    return Entry("", "unreadable", f"not a journal record: kind {kind!r}")


def _step(raw: Mapping[str, Any]) -> Entry:
    facts = raw.get("events") or []
    outcome = [f"pair {_short(raw.get('before'))} -> {_short(raw.get('after'))}"]
    if raw.get("retry_due"):
        outcome.append(f"retry due {raw['retry_due']}")
    if raw.get("outcome") is not None:  # a later journal version may say it in words
        outcome.append(f"outcome {summary(raw['outcome'])}")
    trimmed = raw.get("trimmed")
    if isinstance(trimmed, Mapping):
        outcome.append(f"trimmed to fit one Kafka message: {trimmed.get('dropped')}")
    return Entry(
        at=str(raw.get("at") or ""),
        kind="step",
        title=input_title(raw.get("input")),
        events=tuple(event_line(fact) for fact in facts if isinstance(fact, Mapping)),
        outcome=tuple(outcome),
    )


def _short(fingerprint: object) -> str:
    return str(fingerprint)[:8] if fingerprint else "(none)"


def input_title(message: object) -> str:
    """What a step was given, in words."""
    if not isinstance(message, Mapping):
        return "an unreadable input"
    kind = message.get("type", "change")
    if kind == "resolve":
        return f"resolve {message.get('sync_id')}: site {message.get('winner')} wins"
    if kind == "reexamine":
        return f"retry #{message.get('attempt')}: {message.get('reason')}"
    site, issue = message.get("site"), message.get("issue_key")
    if kind == "comment":
        return f"comment {message.get('kind')} on {issue} (site {site})"
    how = message.get("kind")
    who = f" by {message['actor']}" if message.get("actor") else ""
    return f"{issue} {how} on site {site}{who}"


def event_line(fact: Mapping[str, Any]) -> str:
    """``Type: name=value, ...``: short values as they are, bulky ones counted."""
    parts = [
        f"{name}={summary(value)}"
        for name, value in fact.items()
        if name != "type" and value not in (None, [], {}, "")
    ]
    return f"{fact.get('type', '?')}: {', '.join(parts)}" if parts else str(fact.get("type", "?"))


def summary(value: object) -> str:
    """A value in at most about ``MAX_SCALAR_CHARS`` characters."""
    if isinstance(value, Mapping):
        names = sorted(str(name) for name in value)
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        return f"{{{shown}}}"
    if isinstance(value, list | tuple):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= MAX_SCALAR_CHARS else f"{text[: MAX_SCALAR_CHARS - 3]}..."


def as_text(timeline: Iterable[Entry]) -> str:
    """The timeline for a terminal: one block per entry."""
    lines: list[str] = []
    for item in timeline:
        lines.append(f"{item.at or '-':<32} {item.kind:<7} {item.title}")
        lines += [f"{'':<41}  {line}" for line in item.events]
        lines += [f"{'':<41}  => {line}" for line in item.outcome]
    return "\n".join(lines)
