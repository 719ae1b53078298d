"""One pair's page, with no I/O: its projection, its conflicts and its journal timeline."""

from __future__ import annotations

from collections.abc import Sequence

from projections.console_html import badge, empty, esc, flash, form, layout, path_part, table
from projections.console_views import conflict_block
from projections.model import PairItem, stamp
from projections.timeline import Entry


def pair_page(
    item: PairItem,
    timeline: Sequence[Entry] | None,
    csrf: str,
    note: str | None = None,
    timeline_problem: str | None = None,
) -> str:
    """``note``: what the operator just sent (the page then refreshes itself for a while)."""
    body = (
        f'<div data-state="{esc(item.state.value)}" data-refresh="{"on" if note else "off"}" '
        f'id="pair">{flash(note)}{_facts(item)}'
        f"{conflict_block(item, csrf) if item.conflicts else ''}"
        f"{_retry(item, csrf)}{_timeline(timeline, timeline_problem)}</div>"
    )
    return layout(item.sync_id, body, "", csrf)


def _facts(item: PairItem) -> str:
    sides = {1: item.site1, 2: item.site2}
    rows = [
        ("State", f'<span id="pair-state">{badge(item.state.value)}</span>'),
        ("Pair id", f"<code>{esc(item.pair_id)}</code>"),
        *(
            (f"Site {n}", esc(side.key) if side else '<span class="none">not created</span>')
            for n, side in sides.items()
        ),
        ("Version", str(item.version)),
        ("Last changed", esc(stamp(item.updated_at))),
    ]
    if item.last_error is not None:
        error = item.last_error
        retry = " (will be retried)" if error.retryable else ""
        rows.append(("Last error", f"{esc(error.reason)}{esc(retry)}"))
    rows += [(f"Warning: {esc(w.code)}", esc(w.message)) for w in item.warnings]
    cells = "".join(f'<tr><th scope="row">{name}</th><td>{cell}</td></tr>' for name, cell in rows)
    caption = '<caption class="visually-hidden">The pair</caption>'
    return f'<table class="facts">{caption}{cells}</table>'


def _retry(item: PairItem, csrf: str) -> str:
    if item.state.value not in ("failed", "unreachable", "pending"):
        return ""
    action = f"/console/pairs/{path_part(item.pair_id)}/retry"
    return f'<div class="actions">{form(action, csrf, "retry", {})}</div>'


def _timeline(timeline: Sequence[Entry] | None, problem: str | None) -> str:
    heading = '<h2 id="timeline">Timeline (from the journal)</h2>'
    if timeline is None:
        inner = f'<p class="error">The journal could not be read: {esc(problem or "")}</p>'
    elif not timeline:
        inner = empty("The journal holds no step of this pair (yet).")
    else:
        rows = [_entry(entry) for entry in reversed(timeline)]
        inner = table(("When", "Kind", "What came in", "Events and outcome"), rows, "Timeline")
    return f'<section aria-labelledby="timeline">{heading}{inner}</section>'


def _entry(entry: Entry) -> tuple[str, str, str, str]:
    lines = [f"<li>{esc(line)}</li>" for line in entry.events]
    lines += [f'<li class="outcome">{esc(line)}</li>' for line in entry.outcome]
    detail = f"<ul>{''.join(lines)}</ul>" if lines else ""
    return (esc(entry.at or "-"), esc(entry.kind), esc(entry.title), detail)
