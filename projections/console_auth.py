"""Sign-in and CSRF of the operator console, with no I/O.

Signing in with the management API key gives a session cookie ``v1.<expires>.<nonce>.<mac>``:
the MAC is an HMAC-SHA256 of the expiry and nonce under the API key, so every status instance
accepts it alike, nothing is stored, and changing the key signs everyone out. The cookie is
HttpOnly and SameSite=Strict, scoped to ``/console``.

Every form POST carries a CSRF token. Signed in, it is tied to the session: the HMAC of the
session's nonce under the key (a page of another origin can neither read it nor derive it).
The sign-in form itself, before there is a session, uses a double-submit token: a random
value in a cookie and in the form, which must match.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from pydantic import SecretStr

SESSION_COOKIE = "jira_sync_console"
SIGNIN_COOKIE = "jira_sync_signin"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf"
SESSION_SECONDS = 8 * 3600
VERSION = "v1"


def _mac(key: SecretStr, purpose: str, text: str) -> str:
    digest = hmac.new(key.get_secret_value().encode(), f"{purpose}:{text}".encode(), "sha256")
    return digest.hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def session_token(key: SecretStr, now: float, nonce: str) -> str:
    """A session cookie value that expires ``SESSION_SECONDS`` after ``now``."""
    expires = int(now) + SESSION_SECONDS
    body = f"{VERSION}.{expires}.{nonce}"
    return f"{body}.{_mac(key, 'session', body)}"


def session_nonce(token: str | None, key: SecretStr | None, now: float) -> str | None:
    """The nonce of a valid, unexpired session cookie; None for anything else."""
    if not token or key is None:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit():
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3].encode(), _mac(key, "session", body).encode()):
        return None
    return parts[2] if int(parts[1]) > now else None


def session_csrf(key: SecretStr, nonce: str) -> str:
    """The CSRF token of a session: derived from its nonce, so never stored."""
    return _mac(key, "csrf", nonce)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time equality; a missing or empty token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def key_matches(given: str | None, key: SecretStr | None) -> bool:
    if key is None:
        return False
    return same_token(given, key.get_secret_value())


@dataclass(frozen=True)
class CookieFlags:
    """How the console's cookies are set: never readable from script, never sent from
    another site's page, only to the console's paths, Secure when served over TLS."""

    secure: bool
    httponly: bool = True
    samesite: str = "Strict"
    path: str = COOKIE_PATH

    def as_kwargs(self, max_age: int | None) -> dict[str, object]:
        flags: dict[str, object] = {
            "httponly": self.httponly,
            "samesite": self.samesite,
            "path": self.path,
            "secure": self.secure,
        }
        if max_age is not None:
            flags["max_age"] = max_age
        return flags
