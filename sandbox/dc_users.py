"""Users as JIRA Data Center has them: a ``name`` (username) and a ``key``, no accountId.

The site model keeps Cloud's user objects (``accountId``); a datacenter site translates
them on the way out (``translate``) and user references on the way in (``account_refs``).
Authentication: Basic ``username:password`` (the password is the account's token here)
or a personal access token as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
from typing import Any

from sandbox.errors import field_errors
from sandbox.users import AVATAR, AVATAR_SIZES, Directory, User, _basic_credentials


def details(user: User, base: str, *, own: bool = False) -> dict[str, Any]:
    """The ``User`` of a Data Center REST answer (and webhook)."""
    body: dict[str, Any] = {
        "self": f"{base}/rest/api/2/user?username={user.name}",
        "name": user.name,
        "key": user.key,
        "avatarUrls": {size: AVATAR.format(size=size) for size in AVATAR_SIZES},
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
    }
    if user.email_visible or own:
        body["emailAddress"] = user.email
    return body


def by_name(users: Directory, name: str) -> User | None:
    wanted = name.casefold()
    return next((u for u in users.all() if u.name.casefold() == wanted), None)


def by_key(users: Directory, key: str) -> User | None:
    return next((u for u in users.all() if u.key == key), None)


def aliases(users: Directory) -> dict[str, str]:
    """Usernames (case-folded) and user keys -> accountId, for JQL's user clauses."""
    names = {user.name.casefold(): user.account_id for user in users.all() if user.name}
    return names | {user.key.casefold(): user.account_id for user in users.all() if user.key}


def translate(value: Any, users: Directory, base: str) -> Any:
    """``value`` with every Cloud user object (``accountId``) as Data Center's."""
    if isinstance(value, list):
        return [translate(item, users, base) for item in value]
    if not isinstance(value, dict):
        return value
    if "accountId" in value:
        user = users.get(str(value["accountId"]))
        if user is None:
            return {"name": "", "key": "", "displayName": "Former user", "active": False}
        return details(user, base)
    return {name: translate(item, users, base) for name, item in value.items()}


def account_ref(users: Directory, field: str, raw: Any) -> Any:
    """``{"name": ...}`` or ``{"key": ...}`` as the site model's ``{"accountId": ...}``;
    an ``accountId`` is not a Data Center reference and is refused as an unknown user."""
    if not isinstance(raw, dict):
        return raw
    if "name" in raw:
        user, wanted = by_name(users, str(raw["name"])), str(raw["name"])
    elif "key" in raw:
        user, wanted = by_key(users, str(raw["key"])), str(raw["key"])
    else:
        raise field_errors({field: "expected 'name' or 'key' of a user"})
    if user is None or not user.active:
        raise field_errors({field: f"User '{wanted}' does not exist."})
    return {"accountId": user.account_id}


def authenticate(users: Directory, header: str | None) -> User | None:
    """The user of a Basic ``username:password`` or a ``Bearer <PAT>`` header."""
    scheme, _, credential = (header or "").partition(" ")
    if scheme.lower() == "bearer":
        token = credential.strip()
        return next((u for u in users.all() if u.active and _same(u.pat, token)), None)
    name, password = _basic_credentials(header)
    user = by_name(users, name) if name else None
    if user is None or not user.active or not _same(user.api_token, password):
        return None
    return user


def _same(secret: str | None, given: str) -> bool:
    return (
        bool(secret) and bool(given) and hmac.compare_digest(str(secret).encode(), given.encode())
    )


def keyed_changelog(value: Any, users: Directory) -> Any:
    """A changelog (webhook ``changelog`` or REST ``changelog.histories``) with each item's
    ``from``/``to`` naming a person as that person's user key, as Data Center writes them
    (an assignee change reads ``"from": "JIRAUSER10100"``, the display name in
    ``fromString``: a Server changelog, https://github.com/apache/devlake/issues/2550)."""
    if isinstance(value, list):
        return [keyed_changelog(item, users) for item in value]
    if not isinstance(value, dict):
        return value
    if "fieldtype" in value and "field" in value:
        return value | {
            end: _key_of(users, value.get(end)) for end in ("from", "to") if end in value
        }
    return {name: keyed_changelog(item, users) for name, item in value.items()}


def _key_of(users: Directory, account: Any) -> Any:
    user = users.get(str(account)) if isinstance(account, str) else None
    return user.key if user is not None and user.key else account
