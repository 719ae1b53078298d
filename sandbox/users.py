"""The site's users: who may authenticate, and how they appear in answers.

Users may hide their email (Atlassian profile privacy): then ``emailAddress`` is left
out everywhere except ``/myself``, and ``/user/search`` does not match on it.

Each account has a role: ``site-admin`` (the global ADMINISTER permission),
``project-admin`` (ADMINISTER_PROJECTS on the projects in ``admin_of``) or a plain
``user``. The integration account is a plain user unless ``SiteConfig.integration_role``
says otherwise: the strict default (see ``sandbox.notify``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.config import SiteConfig

Role = Literal["site-admin", "project-admin", "user"]

AVATAR = "https://avatar-management.services.atlassian.com/default/{size}"
ALICE, BOB = "712020:alice-0001", "712020:bob-0002"  # people on every site (tokens: name-token)


@dataclass
class User:
    account_id: str
    display_name: str
    email: str
    email_visible: bool = True
    api_token: str | None = None
    active: bool = True
    time_zone: str = "UTC"
    site_admin: bool = False  # the global ADMINISTER permission
    admin_of: frozenset[str] = frozenset()  # project keys with ADMINISTER_PROJECTS
    # Data Center identities (sandbox.dc_users): the username, the user key, a personal
    # access token (``Authorization: Bearer``); Cloud answers never show them.
    name: str = ""
    key: str = ""
    pat: str | None = None

    def administers(self, project_key: str) -> bool:
        """Site admin, or project admin of ``project_key``."""
        return self.site_admin or project_key in self.admin_of

    def details(self, base_url: str, *, api: int = 3, own: bool = False) -> dict[str, Any]:
        """The ``UserDetails``/``User`` object of REST answers (and, with api=2, webhooks)."""
        body: dict[str, Any] = {
            "self": f"{base_url}/rest/api/{api}/user?accountId={self.account_id}",
            "accountId": self.account_id,
            "avatarUrls": {size: AVATAR.format(size=size) for size in AVATAR_SIZES},
            "displayName": self.display_name,
            "active": self.active,
            "timeZone": self.time_zone,
            "accountType": "atlassian",
        }
        if self.email_visible or own:
            body["emailAddress"] = self.email
        return body

    def actor(self, base_url: str) -> dict[str, Any]:
        """The ``user`` of a webhook: never an email."""
        body = self.details(base_url, api=2)
        body.pop("emailAddress", None)
        return body


AVATAR_SIZES = ("48x48", "24x24", "16x16", "32x32")


def with_role(user: User, role: Role, *project_keys: str) -> User:
    """Give ``user`` ``role`` on the site (``project-admin``: of the ``project_keys``)."""
    user.site_admin = role == "site-admin"
    user.admin_of = frozenset(project_keys) if role == "project-admin" else frozenset()
    return user


class Directory:
    def __init__(self, users: list[User]) -> None:
        self._users = {user.account_id: user for user in users}

    @classmethod
    def for_site(cls, config: SiteConfig) -> Directory:
        integration = User(
            config.integration_account_id,
            config.integration_display_name,
            config.email,
            email_visible=True,
            api_token=config.api_token.get_secret_value(),
        )
        admin_of = config.integration_admin_of or config.projects
        with_role(integration, config.integration_role, *admin_of)
        integration.name, integration.key = config.email.split("@")[0], "JIRAUSER10000"
        integration.pat = config.personal_access_token.get_secret_value()
        alice = User(ALICE, "Alice Visible", "alice@example.com", True, "alice-token")
        alice.name, alice.key, alice.pat = "alice", "JIRAUSER10001", "alice-pat"
        bob = User(BOB, "Bob Private", "bob@example.com", False, "bob-token")
        bob.name, bob.key, bob.pat = "bob", "JIRAUSER10002", "bob-pat"
        return cls([integration, alice, bob])

    def add(self, user: User) -> User:
        self._users[user.account_id] = user
        return user

    def get(self, account_id: str) -> User | None:
        return self._users.get(account_id)

    def all(self) -> list[User]:
        return list(self._users.values())

    def authenticate(self, header: str | None) -> User | None:
        """The user named by a ``Basic base64(email:token)`` header, if the token is theirs."""
        email, token = _basic_credentials(header)
        if not email:
            return None
        for user in self._users.values():
            if user.email.casefold() == email.casefold() and _token_matches(user, token):
                return user
        return None

    def search(self, query: str) -> list[User]:
        wanted = query.casefold()
        return [user for user in self._users.values() if _matches(user, wanted)]


def _token_matches(user: User, token: str) -> bool:
    if not user.api_token or not user.active:
        return False
    return hmac.compare_digest(user.api_token.encode(), token.encode())


def _matches(user: User, wanted: str) -> bool:
    names = user.display_name.casefold().split()
    if any(name.startswith(wanted) for name in names) or user.display_name.casefold() == wanted:
        return True
    return user.email_visible and user.email.casefold().startswith(wanted)


def _basic_credentials(header: str | None) -> tuple[str, str]:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "", ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    email, _, token = decoded.partition(":")
    return email, token
