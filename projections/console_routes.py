"""The console's routes under ``/console``: sign-in, the pages, and the three actions.

The JSON API keeps its ``X-API-Key`` header (``projections.http``); these routes take the
session cookie instead (``projections.console_auth``), and every POST but the sign-in's
needs the session's CSRF token: without it the answer is 403 and nothing is sent. An
action puts the same command on the command topic as ``jira-sync resolve`` /
``manual-sync`` and redirects to the pair's page, which refreshes itself while the worker
carries the command out. A group's "re-drive" runs ``jira-sync dead-letters redrive`` on
the letters of exactly that reason and redirects back to the dead letters with what it did.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from projections import console_auth as auth
from projections import context as ctx
from projections.console_dead_letters import dead_letters_page, of_reason, redrive_note
from projections.console_html import esc, layout
from projections.console_pair import pair_page
from projections.console_search import overview_of, search_pairs
from projections.console_views import (
    conflicts,
    failures,
    not_found,
    overview,
    search,
)
from projections.console_views import sign_in as sign_in_page
from projections.routes import MAX_ID_CHARS, find
from projections.store import MAX_PAGE
from projections.store import Page as StorePage
from projections.timeline import entries
from streams.commands import CommandError, parse_command
from streams.state import PairStatus

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
TIMELINE_RECORDS = 200
Page = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


def console_routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/console", signed_in(overview_handler)),
        web.get("/console/sign-in", sign_in_form),
        web.post("/console/sign-in", sign_in),
        web.post("/console/sign-out", signed_in(sign_out, post=True)),
        web.get("/console/conflicts", signed_in(conflicts_handler)),
        web.get("/console/failures", signed_in(failures_handler)),
        web.get("/console/dead-letters", signed_in(dead_letters_handler)),
        web.post("/console/dead-letters/redrive", signed_in(redrive, post=True)),
        web.get("/console/search", signed_in(search_handler)),
        web.get("/console/pairs/{pair_id}", signed_in(pair_handler)),
        web.post("/console/pairs/{pair_id}/resolve", signed_in(resolve, post=True)),
        web.post("/console/pairs/{pair_id}/retry", signed_in(retry, post=True)),
        web.static("/console/static", STATIC, append_version=False),
    ]


def html(body: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def refusal(status: int, reason: str) -> web.Response:
    """An error page: the reason escaped, the status kept."""
    return html(
        layout(f"Refused ({status})", f'<p class="error" role="alert">{esc(reason)}</p>'), status
    )


def signed_in(page: Page, post: bool = False) -> Callable[[web.Request], Awaitable[Any]]:
    """The page with the session's CSRF token; to sign-in without a session; a POST
    without the right CSRF token answers 403."""

    async def handler(request: web.Request) -> web.StreamResponse:
        key = request.app[ctx.API_KEY]
        clock = request.app[ctx.CONSOLE].clock
        nonce = auth.session_nonce(request.cookies.get(auth.SESSION_COOKIE), key, clock())
        if nonce is None or key is None:
            raise web.HTTPSeeOther("/console/sign-in")
        csrf = auth.session_csrf(key, nonce)
        if post:
            form = await request.post()
            given = form.get(auth.CSRF_FIELD)
            if not auth.same_token(given if isinstance(given, str) else None, csrf):
                log.warning("console POST refused: no CSRF token", extra={"path": request.path})
                return refusal(403, "the form's CSRF token is missing or wrong")
        return await page(request, csrf)

    return handler


def _flags(request: web.Request) -> auth.CookieFlags:
    return auth.CookieFlags(secure=request.secure)


async def sign_in_form(request: web.Request, problem: str | None = None) -> web.Response:
    token = auth.new_nonce()
    response = html(sign_in_page(token, problem), 401 if problem else 200)
    response.set_cookie(auth.SIGNIN_COOKIE, token, **_flags(request).as_kwargs(600))  # type: ignore[arg-type]
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    given, csrf = form.get("api_key"), form.get(auth.CSRF_FIELD)
    if not auth.same_token(
        csrf if isinstance(csrf, str) else None, request.cookies.get(auth.SIGNIN_COOKIE)
    ):
        return refusal(403, "the sign-in form's CSRF token is missing or wrong")
    key = request.app[ctx.API_KEY]
    if key is None:
        problem = "The console is disabled: MANAGEMENT_API_KEY is not set."
        return await sign_in_form(request, problem)
    if not auth.key_matches(given if isinstance(given, str) else None, key):
        log.warning("console sign-in refused: wrong key")
        return await sign_in_form(request, "That is not the management API key.")
    token = auth.session_token(key, request.app[ctx.CONSOLE].clock(), auth.new_nonce())
    response = web.HTTPSeeOther("/console")
    flags = _flags(request)
    response.set_cookie(auth.SESSION_COOKIE, token, **flags.as_kwargs(auth.SESSION_SECONDS))  # type: ignore[arg-type]
    response.del_cookie(auth.SIGNIN_COOKIE, path=flags.path)
    raise response


async def sign_out(request: web.Request, csrf: str) -> web.StreamResponse:
    response = web.HTTPSeeOther("/console/sign-in")
    response.del_cookie(auth.SESSION_COOKIE, path=auth.COOKIE_PATH)
    raise response


async def overview_handler(request: web.Request, csrf: str) -> web.Response:
    return html(overview(await overview_of(request.app), csrf))


async def conflicts_handler(request: web.Request, csrf: str) -> web.Response:
    page = await _listed(request, PairStatus.CONFLICTED)
    return html(conflicts(page.items, csrf, page.next_cursor))


async def failures_handler(request: web.Request, csrf: str) -> web.Response:
    page = await _listed(request, PairStatus.FAILED)
    return html(failures(page.items, csrf, page.next_cursor))


async def _listed(request: web.Request, state: PairStatus) -> StorePage:
    cursor = request.query.get("cursor") or None
    return await request.app[ctx.STORE].list_by_state(state, 20, cursor)


async def dead_letters_handler(request: web.Request, csrf: str) -> web.Response:
    note = request.query.get("done")
    try:
        letters, known = await request.app[ctx.CONSOLE].letters()
    except Exception as error:  # Kafka down or slow: say so on the page
        problem = f"{type(error).__name__}: {error}"
        return html(dead_letters_page(None, {}, csrf, note, problem))
    return html(dead_letters_page(letters, known, csrf, note))


async def redrive(request: web.Request, csrf: str) -> web.StreamResponse:
    reason = (await request.post()).get("reason")
    if not isinstance(reason, str):
        return refusal(400, "no reason: which group to re-drive?")
    try:
        outcome = await request.app[ctx.CONSOLE].redrive(of_reason(reason))
    except Exception as error:
        log.warning("console redrive failed", extra={"reason": reason, "error": str(error)})
        return refusal(503, f"the redrive did not run: {type(error).__name__}: {error}")
    log.info("console redrive", extra={"reason": reason, "done": outcome.done})
    note = quote(redrive_note(outcome, reason))
    raise web.HTTPSeeOther(f"/console/dead-letters?done={note}")


async def search_handler(request: web.Request, csrf: str) -> web.Response:
    query = request.query.get("q", "").strip()[:MAX_ID_CHARS]
    found, looked_at = await search_pairs(request.app[ctx.STORE], query, MAX_PAGE)
    if len(found) == 1:
        raise web.HTTPSeeOther(f"/console/pairs/{quote(found[0].pair_id, safe='')}")
    return html(search(query, found, csrf, looked_at))


async def pair_handler(request: web.Request, csrf: str) -> web.Response:
    ident = request.match_info["pair_id"][:MAX_ID_CHARS]
    item = await find(request.app[ctx.STORE], ident)
    if item is None:
        return html(not_found(ident, csrf), 404)
    try:
        records = await request.app[ctx.CONSOLE].journal(item.pair_id, TIMELINE_RECORDS)
        timeline, problem = entries(records), None
    except Exception as error:  # Kafka down or slow: the rest of the page still helps
        timeline, problem = None, f"{type(error).__name__}: {error}"
    note = request.query.get("sent")
    return html(pair_page(item, timeline, csrf, note, problem))


async def resolve(request: web.Request, csrf: str) -> web.StreamResponse:
    item = await find(request.app[ctx.STORE], request.match_info["pair_id"][:MAX_ID_CHARS])
    winner = (await request.post()).get("winner")
    if item is None or winner not in ("1", "2"):
        return refusal(400, "no such pair, or no side to keep")
    direction = "jira_1_to_2" if winner == "1" else "jira_2_to_1"
    body = {"sync_id": item.sync_id, "resolve_conflict": True, "resolution_direction": direction}
    return await _send(request, item.pair_id, body, f"keep site {winner}")


async def retry(request: web.Request, csrf: str) -> web.StreamResponse:
    item = await find(request.app[ctx.STORE], request.match_info["pair_id"][:MAX_ID_CHARS])
    if item is None:
        return refusal(400, "no such pair")
    sides = [(item.origin, item.site1 if item.origin == 1 else item.site2)]
    sides += [(1, item.site1), (2, item.site2)]
    site, issue = next(((n, side) for n, side in sides if side is not None), (0, None))
    if issue is None:
        return refusal(400, "the pair has no issue to sync from")
    body = {"issue_key": issue.key, "source_instance": site}
    return await _send(request, item.pair_id, body, f"manual sync of {issue.key}")


async def _send(
    request: web.Request, pair_id: str, body: dict[str, Any], what: str
) -> web.StreamResponse:
    ports = request.app[ctx.CONSOLE]
    try:
        command = parse_command(body, str(uuid.uuid4()), datetime.now(UTC))
        await ports.send(ports.commands_topic, command.key.encode(), command.to_bytes())
    except CommandError as error:
        return refusal(400, f"{error.reason}")
    except Exception as error:
        log.warning("console command not sent", extra={"pair_id": pair_id, "error": str(error)})
        return refusal(503, f"the command was not sent: {type(error).__name__}")
    log.info("console command sent", extra={"command": command.command, "key": command.key})
    note = quote(f"Sent {what} ({command.command_id}); the page refreshes while it runs.")
    raise web.HTTPSeeOther(f"/console/pairs/{quote(pair_id, safe='')}?sent={note}")
