"""HTML building blocks of the console, with no I/O: every text from outside goes through
``esc`` (``html.escape`` with quotes), so an issue summary or a JIRA answer can never become
markup. Pages are plain f-strings; there is no template engine and no build step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from projections.console_auth import CSRF_FIELD

NAV = (
    ("overview", "/console", "Overview"),
    ("conflicts", "/console/conflicts", "Conflicts"),
    ("failures", "/console/failures", "Failures"),
    ("dead-letters", "/console/dead-letters", "Dead letters"),
)
MAX_VALUE_CHARS = 2000


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def path_part(text: str) -> str:
    """One path segment, percent-encoded (a sync id holds '#')."""
    return quote(text, safe="")


def value(raw: object) -> str:
    """A field value as preformatted JSON text, escaped and bounded."""
    if raw is None:
        return '<span class="none">(empty)</span>'
    text = raw if isinstance(raw, str) else json.dumps(raw, indent=1, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = f"{text[:MAX_VALUE_CHARS]}... ({len(text)} characters)"
    return f'<pre class="value">{esc(text)}</pre>'


def badge(state: str) -> str:
    return f'<span class="badge state-{esc(state)}">{esc(state)}</span>'


def empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def flash(message: str | None) -> str:
    if not message:
        return ""
    return f'<p class="flash" role="status">{esc(message)}</p>'


def form(action: str, csrf: str, label: str, hidden: dict[str, str], css: str = "") -> str:
    """A POST form with one button; the CSRF token always goes with it."""
    fields = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(text)}">'
        for name, text in {CSRF_FIELD: csrf, **hidden}.items()
    )
    button = f'<button type="submit" class="{esc(css)}">{esc(label)}</button>'
    return f'<form method="post" action="{esc(action)}" class="inline">{fields}{button}</form>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], caption: str) -> str:
    """``rows`` are cells already rendered (escaped) by the caller."""
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<table><caption class="visually-hidden">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def pair_link(pair_id: str, label: str) -> str:
    return f'<a href="/console/pairs/{path_part(pair_id)}">{esc(label)}</a>'


def layout(title: str, body: str, active: str = "", signed_in: str | None = None) -> str:
    """The whole page. ``signed_in``: the session's CSRF token (shows navigation and the
    sign-out form), None on the sign-in page."""
    nav = ""
    if signed_in is not None:
        links = "".join(
            f'<li><a href="{href}"{_current(name == active)}>{esc(text)}</a></li>'
            for name, href, text in NAV
        )
        search = (
            '<form method="get" action="/console/search" class="search" role="search">'
            '<label for="q">Issue key, sync id or pair id</label>'
            '<input id="q" name="q" type="search" placeholder="PROJ1-123" required>'
            '<button type="submit">Search</button></form>'
        )
        sign_out = form("/console/sign-out", signed_in, "Sign out", {}, "quiet")
        nav = f'<nav aria-label="Console"><ul>{links}</ul>{search}{sign_out}</nav>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} - jira-sync</title>"
        '<link rel="stylesheet" href="/console/static/console.css">'
        '<script src="/console/static/console.js" defer></script></head><body>'
        f'<header><p class="brand">jira-sync console</p>{nav}</header>'
        f'<main id="main"><h1>{esc(title)}</h1>{body}</main></body></html>'
    )


def _current(current: bool) -> str:
    return ' aria-current="page"' if current else ""
