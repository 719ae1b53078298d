"""Which JIRA a site number means: the configured one, or the local sandbox emulator; a
Data Center site gets ``DataCenterClient``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import aiohttp
from pydantic import SecretStr

from streams.jira.client import JiraClient
from streams.jira.dc_client import client_for
from streams.jira.ratelimit import SiteLimiter
from streams.jira.transport import JiraTransport, RetryPolicy, SiteAuth
from streams.settings import Settings

SANDBOX_URLS = {1: "http://127.0.0.1:8081", 2: "http://127.0.0.1:8082"}
SANDBOX_EMAIL = "sandbox@example.com"
SANDBOX_TOKEN = "sandbox-token"  # noqa: S105 - the emulator's documented default


def site_auth(settings: Settings, number: Literal[1, 2]) -> SiteAuth:
    site = settings.site(number)
    if site.base_url is None or site.username is None:
        return SiteAuth(SANDBOX_URLS[number], SANDBOX_EMAIL, SecretStr(SANDBOX_TOKEN))
    token = site.api_token or site.personal_access_token or SecretStr("")
    return SiteAuth(site.base_url, site.username, token, site.flavour, site.personal_access_token)


@asynccontextmanager
async def open_client(
    auth: SiteAuth,
    retry: RetryPolicy | None = None,
    limiter: SiteLimiter | None = None,
    request_timeout: float = 30.0,
) -> AsyncIterator[JiraClient]:
    """A client with its own HTTP session, closed on exit."""
    async with aiohttp.ClientSession() as session:
        yield client_for(JiraTransport(auth, session, limiter, retry, request_timeout))
