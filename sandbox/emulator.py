"""The composition root: one emulated JIRA Cloud site, its aiohttp app, and a server.

async with serve_emulator(SiteConfig(project_key="PROJ1")) as running:
    running.base_url, running.emulator.issues, running.emulator.deliveries
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox import (
    adf,
    attachments,
    comments,
    dc_comments,
    dc_lookups,
    dc_meta,
    dc_routes,
    dc_search,
    dc_users,
    dc_worklogs,
    issue_extras,
    issue_links,
    issue_routes,
    lookup_routes,
    meta_routes,
    moves,
    search,
    transitions,
    worklogs,
)
from sandbox.clock import Clock, Stamper, SystemClock, jira_time
from sandbox.comment_properties import ROUTES as COMMENT_PROPERTY_ROUTES
from sandbox.config import Faults, RateLimits, SiteConfig
from sandbox.control import EMULATOR
from sandbox.control import ROUTES as CONTROL_ROUTES
from sandbox.delivery import Delivery, Dispatcher, Target
from sandbox.edits import Screens
from sandbox.http import SITE, Call
from sandbox.middleware import middlewares
from sandbox.model import Comment, Issue
from sandbox.notify import MAILER, Mailer, Notification
from sandbox.permissions import ROUTES as PERMISSION_ROUTES
from sandbox.ratelimit import RateLimiter
from sandbox.screen_meta import ROUTES as SCREEN_ROUTES
from sandbox.security_routes import ROUTES as SECURITY_ROUTES
from sandbox.site import Site
from sandbox.users import ALICE, Directory, Role, User, with_role

SEEDED_AGE_MS = 24 * 3600 * 1000  # how long before anyone watched seeded issues were made
ROUTE_TABLES = (
    issue_routes.ROUTES,
    transitions.ROUTES,
    comments.ROUTES,
    COMMENT_PROPERTY_ROUTES,
    worklogs.ROUTES,
    issue_extras.ROUTES,
    attachments.ROUTES,
    issue_links.ROUTES,
    search.ROUTES,
    lookup_routes.ROUTES,  # before meta_routes: /project/search is not a project key
    meta_routes.ROUTES,
    moves.ROUTES,
    SCREEN_ROUTES,
    PERMISSION_ROUTES,
    SECURITY_ROUTES,
    CONTROL_ROUTES,
)
# A Data Center site: REST v2 only; Cloud's handlers where the bodies are the same.
DC_ROUTE_TABLES = (
    dc_routes.ROUTES,
    dc_comments.ROUTES,
    dc_search.ROUTES,
    dc_lookups.ROUTES,
    dc_meta.ROUTES,
    dc_worklogs.ROUTES,
    dc_routes.v2_copies(
        issue_extras.ROUTES,
        COMMENT_PROPERTY_ROUTES,
        PERMISSION_ROUTES,
        skip=frozenset({"/changelog"}),  # Data Center has no issue changelog resource
    ),
    CONTROL_ROUTES,
)


class Emulator:
    """State of one site and the factory of its app; every knob is also runtime-settable."""

    def __init__(self, config: SiteConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.users = Directory.for_site(config)
        self.rest_rng = random.Random(config.faults.seed)  # noqa: S311 - fault dice, not crypto
        self.webhook_rng = random.Random(config.faults.seed + 1)  # noqa: S311
        self.dispatcher = Dispatcher(
            _target(config.webhook_url, config.webhook_secret_value, config.webhook_events),
            config.webhook_retry,
            lambda: self.faults,
            self.webhook_rng,
        )
        self.mailer = Mailer(self.dispatcher.publish)
        self.site = Site(config, self.users, Stamper(self.clock), self.mailer.publish)
        self.datacenter = config.flavour == "datacenter"
        self.contract = None if self.datacenter else config.contract  # Cloud's v3 description
        self.contract_violations: list[str] = []
        self.calls: list[Call] = []  # every authenticated REST request, in order
        # issue key -> a person's edit made just before the sync's next write of it lands
        # (``sandbox.middleware``: JIRA has no conditional write, the sync overwrites it)
        self.races: dict[str, Callable[[], None]] = {}
        self._rate_limits = config.rate_limits
        self.limiter = RateLimiter(config.rate_limits, self.clock) if config.rate_limits else None
        self._closing = asyncio.Event()

    def authenticate(self, header: str | None) -> User | None:
        """The caller: Cloud's Basic email:token; Data Center's Basic or Bearer PAT."""
        if self.datacenter:
            return dc_users.authenticate(self.users, header)
        return self.users.authenticate(header)

    @property
    def faults(self) -> Faults:
        return self.site.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.site.faults = faults
        self.rest_rng.seed(faults.seed)
        self.webhook_rng.seed(faults.seed + 1)

    @property
    def rate_limits(self) -> RateLimits | None:
        return self._rate_limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        self._rate_limits = limits
        self.limiter = RateLimiter(limits, self.clock) if limits else None

    @property
    def screens(self) -> Screens:
        return self.site.screens

    @screens.setter
    def screens(self, screens: Screens) -> None:
        self.site.screens = screens

    def set_webhook(
        self, url: str | None, secret: str | None = None, events: frozenset[str] | None = None
    ) -> None:
        self.dispatcher.target = _target(url, secret, events or self.config.webhook_events)

    @property
    def issues(self) -> dict[str, Issue]:
        """Live issues by key."""
        return {issue.key: issue for issue in self.site.issues.values()}

    @property
    def comments(self) -> dict[str, Comment]:
        """Live comments of every issue by comment id."""
        return {c.id: c for issue in self.site.issues.values() for c in issue.comments}

    @property
    def deliveries(self) -> list[Delivery]:
        return self.dispatcher.deliveries

    @property
    def notifications(self) -> list[Notification]:
        """The notification emails the site would have sent to watchers, in order."""
        return self.mailer.sent

    def add_user(
        self,
        display_name: str,
        email: str,
        *,
        email_visible: bool = True,
        api_token: str | None = None,
        account_id: str | None = None,
        role: Role = "user",
        admin_of: tuple[str, ...] | None = None,
    ) -> User:
        account_id = account_id or f"712020:{uuid.uuid4()}"
        user = User(account_id, display_name, email, email_visible, api_token)
        user.name, user.key = email.split("@")[0], f"JIRAUSER{10000 + len(self.users.all())}"
        user.pat = api_token  # a Data Center site takes the token as a PAT too
        return self.users.add(with_role(user, role, *(admin_of or self.config.projects)))

    def seed_issues(self, count: int, *, author: User | None = None) -> list[str]:
        """Issues that existed before anyone watched: made without webhooks."""
        author = author or self.users.get(ALICE) or self.users.all()[0]
        keys = []
        for _ in range(count):
            number = len(self.site.issues) + 1
            fields = {
                "project": {"key": self.config.project_key},
                "issuetype": {"name": "Task"},
                "summary": f"Seeded issue {number}",
                "description": self._rich_text(f"Seeded by the emulator ({number})."),
            }
            issue = self.site.create(author, {"fields": fields}, notify=False)
            made = issue.created_ms - SEEDED_AGE_MS  # a day before anyone watched
            issue.created_ms, issue.fields["created"] = made, jira_time(made)
            issue.touch(made)
            self.site.index.record(issue, 0)  # existed long before: the index caught up
            keys.append(issue.key)
        return keys

    def _rich_text(self, text: str) -> dict[str, Any] | str:
        """``text`` as the site's rich text: wiki markup on Data Center, else ADF."""
        return text if self.datacenter else adf.document(text)

    async def wait_for_webhooks(self, within: float = 5.0) -> bool:
        """Wait until every queued delivery is delivered or given up; False on time-out."""
        return await self.dispatcher.wait_idle(within)

    async def pause(self, seconds: float) -> None:
        """Sleep, but end at once when the site shuts down (held answers, latency)."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def state(self) -> dict[str, Any]:
        target = self.dispatcher.target
        return {
            "baseUrl": self.config.base_url,
            "flavour": self.config.flavour,
            "project": self.config.project_key,
            "workflow": self.site.workflow.name,
            "issues": sorted(self.issues, key=lambda key: int(key.rsplit("-", 1)[1])),
            "deliveries": len(self.deliveries),
            "faults": self.faults.model_dump(),
            "rateLimits": self.rate_limits.model_dump() if self.rate_limits else None,
            "screens": {name: sorted(getattr(self.screens, name)) for name in ("create", "edit")},
            "webhook": {"url": target.url, "events": sorted(target.events)} if target else None,
            "contractViolations": list(self.contract_violations),
        }

    def app(self) -> web.Application:
        app = web.Application(middlewares=middlewares(self))
        app[SITE] = self.site
        app[EMULATOR] = self
        app[MAILER] = self.mailer
        for table in DC_ROUTE_TABLES if self.datacenter else ROUTE_TABLES:
            app.add_routes(table)
        app.cleanup_ctx.append(self._lifecycle)
        return app

    async def _lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        self._closing.clear()
        await self.dispatcher.start()
        yield
        self._closing.set()
        await self.dispatcher.close()
        self.site.attachments.close()


def _target(url: str | None, secret: str | None, events: frozenset[str]) -> Target | None:
    return Target(url, secret, events) if url else None


def _bound_socket(host: str, port: int) -> socket.socket:
    """Bind first, so the site knows its own address (``self`` links) before it starts."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@dataclass(frozen=True)
class RunningSite:
    base_url: str
    emulator: Emulator


@contextlib.asynccontextmanager
async def serve_emulator(
    config: SiteConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    clock: Clock | None = None,
) -> AsyncIterator[RunningSite]:
    """Run the site over real HTTP (port 0: a free one) until the block ends."""
    sock = _bound_socket(host, port)
    url_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{url_host}:{sock.getsockname()[1]}"
    config = config.model_copy(update={"base_url": base_url})
    emulator = Emulator(config, clock=clock)
    runner = web.AppRunner(emulator.app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield RunningSite(config.base_url, emulator)
    finally:
        emulator._closing.set()
        await runner.cleanup()
        sock.close()


def writes_by(emulator: Emulator, email: str) -> list[Call]:
    """The successful writes one account made on a site (tests count the sync's writes)."""
    return [call for call in emulator.calls if call.email == email and call.write]
