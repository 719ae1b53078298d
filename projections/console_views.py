"""The console's pages, with no I/O: each takes what the handler read and returns HTML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from projections.console_html import (
    badge,
    empty,
    esc,
    form,
    layout,
    pair_link,
    path_part,
    table,
    value,
)
from projections.kafka import TopicLag
from projections.model import STATES, PairItem, Totals, stamp

UNFINISHED = ("pending", "conflicted", "failed", "unreachable")


@dataclass(frozen=True)
class Oldest:
    state: str
    item: PairItem | None
    complete: bool  # False: only the newest pairs of that state were looked at


@dataclass(frozen=True)
class Overview:
    totals: Totals
    lag: Sequence[TopicLag]
    lag_error: str | None
    oldest: Sequence[Oldest]


def sign_in(csrf: str, problem: str | None = None) -> str:
    error = f'<p class="error" role="alert">{esc(problem)}</p>' if problem else ""
    body = (
        f"{error}<p>Sign in with the management API key (<code>MANAGEMENT_API_KEY</code>)."
        "</p>"
        '<form method="post" action="/console/sign-in" class="sign-in">'
        f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
        '<label for="api_key">Management API key</label>'
        '<input id="api_key" name="api_key" type="password" autocomplete="current-password" '
        "required autofocus>"
        '<button type="submit">Sign in</button></form>'
    )
    return layout("Sign in", body)


def overview(view: Overview, csrf: str) -> str:
    counts = view.totals.counts
    links = {"conflicted": "/console/conflicts", "failed": "/console/failures"}
    rows = [
        (
            badge(state.value),
            f'<a href="{links[state.value]}">{counts.get(state, 0)}</a>'
            if state.value in links
            else str(counts.get(state, 0)),
        )
        for state in STATES
    ]
    body = (
        '<section aria-labelledby="counts"><h2 id="counts">Pairs by state</h2>'
        f"<p>{view.totals.total} pair(s) in all.</p>"
        f"{table(('State', 'Pairs'), rows, 'Pairs by state')}</section>"
        f"{_connections(view.totals)}{_lag(view)}{_oldest(view.oldest)}{_last(view.totals)}"
    )
    return layout("Overview", body, "overview", csrf)


def _connections(totals: Totals) -> str:
    """Pairs by connection and state, when the deployment serves more than one."""
    if len(totals.by_connection) < 2:
        return ""
    rows = [
        (esc(name), *(str(tally.get(state, 0)) for state in STATES), str(sum(tally.values())))
        for name, tally in sorted(totals.by_connection.items())
    ]
    head = ("Connection", *(state.value for state in STATES), "All")
    inner = table(head, rows, "Pairs by connection")
    return (
        '<section aria-labelledby="connections"><h2 id="connections">Pairs by connection</h2>'
        f"{inner}</section>"
    )


def _lag(view: Overview) -> str:
    if view.lag_error is not None:
        inner = f'<p class="error">Consumer lag unknown: {esc(view.lag_error)}</p>'
    elif not view.lag:
        inner = empty("No lag is read by this status app.")
    else:
        rows = [(esc(entry.topic), str(entry.total)) for entry in view.lag]
        inner = table(("Topic", "Records not yet projected"), rows, "Consumer lag")
    return f'<section aria-labelledby="lag"><h2 id="lag">Consumer lag</h2>{inner}</section>'


def _oldest(oldest: Sequence[Oldest]) -> str:
    rows = []
    for entry in oldest:
        if entry.item is None:
            rows.append((badge(entry.state), '<span class="none">none</span>', ""))
            continue
        since = stamp(entry.item.updated_at) + ("" if entry.complete else " (of the newest)")
        rows.append((badge(entry.state), pair_link(entry.item.pair_id, entry.item.sync_id), since))
    inner = table(("State", "Oldest pair", "Last changed"), rows, "Oldest unfinished work")
    return (
        '<section aria-labelledby="oldest"><h2 id="oldest">Oldest unfinished work</h2>'
        f"{inner}</section>"
    )


def _last(totals: Totals) -> str:
    shown = totals.as_json()["last_synced_at"]
    rows = [(f"site {n}", esc(shown.get(f"site{n}", "never"))) for n in (1, 2)]
    rows.append(("any state change", esc(shown_time(totals))))
    inner = table(("Side", "Last synced"), rows, "Last activity")
    return f'<section aria-labelledby="last"><h2 id="last">Last activity</h2>{inner}</section>'


def shown_time(totals: Totals) -> str:
    return stamp(totals.last_updated_at) if totals.last_updated_at else "never"


def conflicts(items: Sequence[PairItem], csrf: str, more: str | None) -> str:
    if not items:
        nothing = empty("No conflicted pair. Nothing waits for you.")
        return layout("Conflicts", nothing, "conflicts", csrf)
    body = "".join(conflict_block(item, csrf) for item in items) + _more("/console/conflicts", more)
    return layout("Conflicts", body, "conflicts", csrf)


def conflict_block(item: PairItem, csrf: str) -> str:
    rows = [
        (f"<strong>{esc(c.field)}</strong>", value(c.base), value(c.site1), value(c.site2))
        for c in item.conflicts
    ]
    grid = table(("Field", "Base (last agreed)", "Site 1", "Site 2"), rows, item.sync_id)
    action = f"/console/pairs/{path_part(item.pair_id)}/resolve"
    buttons = form(action, csrf, "keep site 1", {"winner": "1"}) + form(
        action, csrf, "keep site 2", {"winner": "2"}
    )
    return (
        f'<section class="conflict" aria-label="{esc(item.sync_id)}">'
        f"<h2>{pair_link(item.pair_id, item.sync_id)} {badge(item.state.value)}</h2>"
        f'{grid}<div class="actions">{buttons}</div></section>'
    )


def failures(items: Sequence[PairItem], csrf: str, more: str | None) -> str:
    if not items:
        return layout("Failures", empty("No failed pair."), "failures", csrf)
    rows = [_failure_row(item, csrf) for item in items]
    headers = ("Pair", "Reason", "Attempts", "Since", "")
    body = table(headers, rows, "Failed pairs") + _more("/console/failures", more)
    return layout("Failures", body, "failures", csrf)


def _failure_row(item: PairItem, csrf: str) -> tuple[str, ...]:
    error = item.last_error
    reason = esc(error.reason) if error else '<span class="none">(no reason recorded)</span>'
    retry = form(f"/console/pairs/{path_part(item.pair_id)}/retry", csrf, "retry", {})
    return (
        pair_link(item.pair_id, item.sync_id),
        reason,
        str(error.attempts) if error else "",
        esc(stamp(error.at)) if error else "",
        retry,
    )


def _more(path: str, cursor: str | None) -> str:
    if cursor is None:
        return ""
    return f'<p><a href="{path}?cursor={path_part(cursor)}">Older pairs</a></p>'


def search(query: str, items: Sequence[PairItem], csrf: str, looked_at: int) -> str:
    if not items:
        found = empty(f"No pair found for {query!r} (looked at {looked_at} pair(s)).")
    else:
        rows = [
            (pair_link(i.pair_id, i.sync_id), badge(i.state.value), esc(i.pair_id)) for i in items
        ]
        found = table(("Pair", "State", "Pair id"), rows, "Search results")
    return layout(f"Search: {query}", found, "", csrf)


def not_found(ident: str, csrf: str) -> str:
    body = empty(f"No pair {ident!r}. Search for it by issue key or sync id above.")
    return layout("Pair not found", body, "", csrf)
