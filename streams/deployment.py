"""What a deployment's settings must hold before a process starts, beyond each variable's
own format: both JIRA sites or neither, and secrets long enough to resist guessing.

Pure checks on a built ``Settings``; ``streams.settings.load_settings`` raises them as a
``ConfigError`` so that every process stops at start-up with the problem named.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from streams.settings import Settings

MIN_SECRET_LENGTH = 16
JIRA_TOKENS = frozenset(  # issued by Atlassian or by the Data Center site
    f"jira_{n}_{kind}" for n in (1, 2) for kind in ("api_token", "personal_access_token")
)
SITES: tuple[Literal[1, 2], ...] = (1, 2)


def is_loopback_url(url: str) -> bool:
    """True when ``url`` names this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_only(settings: Settings) -> bool:
    """Every configured JIRA site is on this machine (the sandbox, an emulator, a test)."""
    urls = [settings.site(number).base_url for number in SITES]
    return all(url is None or is_loopback_url(url) for url in urls)


def half_configured(settings: Settings) -> list[str]:
    """One site configured and the other not: the other would silently be the sandbox
    emulator on this machine."""
    configured = [number for number in SITES if settings.site(number).configured]
    if len(configured) != 1:
        return []
    [given] = configured
    missing = 2 if given == 1 else 1
    names = ", ".join(f"JIRA_{missing}_{part}" for part in ("BASE_URL", "USERNAME", "API_TOKEN"))
    return [
        f"only JIRA site {given} is configured: set {names} too, or neither site for the sandbox"
    ]


def short_secrets(settings: Settings) -> list[str]:
    """Secrets of ours (webhook secrets, the management API key, ...) under
    ``MIN_SECRET_LENGTH`` characters, unless every JIRA site is local."""
    if local_only(settings):
        return []
    return [
        f"{name.upper()}: must be at least {MIN_SECRET_LENGTH} characters outside the sandbox "
        f"(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        for name, value in vars(settings).items()
        if isinstance(value, SecretStr)
        and name not in JIRA_TOKENS
        and len(value.get_secret_value()) < MIN_SECRET_LENGTH
    ]


def deployment_problems(settings: Settings, both_sites: bool = True) -> list[str]:
    """Every reason these settings cannot start a process; empty when they can."""
    return [*(half_configured(settings) if both_sites else []), *short_secrets(settings)]
