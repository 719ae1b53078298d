"""Who may see an issue: the project's issue security scheme and its browse permission.

JIRA Cloud (https://support.atlassian.com/jira-cloud-administration/docs/configure-issue-security-schemes/):
an issue security level restricts an issue to the level's members; ``fields.security`` holds
the level (``{"self", "id", "description", "name"}``, as in the captured webhook
``shared/reference/webhooks/webhook-issue-created-security.json``). Only members of a level
may set it, and createmeta/editmeta list as ``allowedValues`` only the levels the caller
belongs to. Someone who cannot see an issue (not a member of its level, or without the
project's Browse Projects permission, https://support.atlassian.com/jira-cloud-administration/docs/manage-project-permissions/)
is answered exactly as for an issue that does not exist: 404 "Issue does not exist or you do
not have permission to see it." on every issue resource, and it is absent from search.

The emulator's scheme is strict by default: the sync's own account is a member of "Partner
visible" only, never of "Internal staff", so an issue an employee restricts to "Internal
staff" disappears from the sync's view. ``members`` and ``without_browse`` can be changed
at runtime (``PUT /_emulator/security``) to give or take access.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import field_errors
from sandbox.users import ALICE, BOB

INTERNAL, PARTNER = "10100", "10101"
# id, name, description
LEVELS: tuple[tuple[str, str, str], ...] = (
    (INTERNAL, "Internal staff", "Only employees of this company."),
    (PARTNER, "Partner visible", "Employees and the partner integration."),
)
NOT_A_MEMBER = "Security level: You are not a member of the security level you tried to set."


def level_json(base: str, id_: str, name: str, description: str) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/3/securitylevel/{id_}",
        "id": id_,
        "description": description,
        "name": name,
    }


def level_values(base: str) -> list[dict[str, Any]]:
    """Every level of the scheme, as the catalog stores them."""
    return [level_json(base, *row) for row in LEVELS]


@dataclass
class Security:
    """Members of each level (by level id) and the accounts without Browse Projects."""

    members: dict[str, set[str]]
    without_browse: set[str] = field(default_factory=set)

    @classmethod
    def for_site(cls, integration_account_id: str) -> Security:
        return cls({INTERNAL: {ALICE, BOB}, PARTNER: {integration_account_id, ALICE, BOB}})

    def may_browse(self, account_id: str) -> bool:
        return account_id not in self.without_browse

    def can_see(self, account_id: str, fields: dict[str, Any]) -> bool:
        """Whether ``account_id`` sees an issue with these fields."""
        if not self.may_browse(account_id):
            return False
        level = fields.get("security")
        if not isinstance(level, dict):
            return True
        return account_id in self.members.get(str(level.get("id")), set())

    def allowed(self, account_id: str, levels: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The levels ``account_id`` may set (createmeta/editmeta ``allowedValues``)."""
        return [level for level in levels if account_id in self.members.get(level["id"], set())]

    def check_settable(self, account_id: str, planned: dict[str, Any]) -> None:
        """400 when a create or edit sets a level its author is not a member of."""
        level = planned.get("security")
        if isinstance(level, dict) and account_id not in self.members.get(level["id"], set()):
            raise field_errors({"security": NOT_A_MEMBER})

    def update(
        self, members: dict[str, list[str]] | None, without_browse: list[str] | None
    ) -> None:
        for level_id, accounts in (members or {}).items():
            self.members[level_id] = set(accounts)
        if without_browse is not None:
            self.without_browse = set(without_browse)

    def state(self) -> dict[str, Any]:
        return {
            "members": {level: sorted(accounts) for level, accounts in self.members.items()},
            "without_browse": sorted(self.without_browse),
        }
