"""Notification emails: which changes JIRA would mail to watchers, and who may say not to.

JIRA Cloud emails an issue's watchers about every change (a create, an edit, a transition,
a comment). ``notifyUsers=false`` on an edit asks it not to, and only a site admin
(ADMINISTER) or a project admin (ADMINISTER_PROJECTS) may ask: anyone else gets **403**
"To discard the user notification either admin or project admin permissions are
required." and the edit is not applied. Sources: the ``notifyUsers`` parameter of
``PUT /rest/api/3/issue/{issueIdOrKey}`` ("To disable the notification, administer Jira
or administer project permissions are required", https://developer.atlassian.com/cloud/
jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put) and the
403 observed on Cloud (``docs/JIRA.md``, "notifyUsers=false needs rights").

The REST v3 description lists ``notifyUsers`` on one other operation the emulator has,
``PUT .../comment/{id}``; it gets the same rule (its description names no permission, so
the emulator takes the stricter reading). The worklog operations (``sandbox.worklogs``)
take it too, with the same rule; their ``worklog_*`` events are not issue events, so they
count no notification here.

``Mailer`` sits between the site and the webhook dispatcher: every issue event that is
published counts one notification (``Emulator.notifications``) unless the change was made
inside ``Mailer.quiet()`` by an account allowed to discard it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import JiraError
from sandbox.users import User

DISCARD_REFUSED = (
    "To discard the user notification either admin or project admin permissions are required."
)
ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"})
Publish = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Notification:
    """One email round JIRA would send to the issue's watchers."""

    event: str
    issue_key: str
    actor: str  # account id of who made the change


class Mailer:
    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._quiet = False
        self.sent: list[Notification] = []

    def publish(self, event: str, payload: dict[str, Any]) -> None:
        if event in ISSUE_EVENTS and not self._quiet:
            issue, user = payload.get("issue") or {}, payload.get("user") or {}
            self.sent.append(Notification(event, str(issue.get("key")), str(user.get("accountId"))))
        self._publish(event, payload)

    @contextlib.contextmanager
    def quiet(self, discard: bool = True) -> Iterator[None]:
        """Changes made inside send no notification (when ``discard``)."""
        before, self._quiet = self._quiet, discard
        try:
            yield
        finally:
            self._quiet = before


MAILER = web.AppKey("mailer", Mailer)


def discards(request: web.Request, actor: User, project_key: str) -> bool:
    """Whether the request asks for no notification (``notifyUsers=false``); JIRA's 403
    when the actor is neither site admin nor project admin of ``project_key``."""
    value = request.query.get("notifyUsers")
    if value is None or value.lower() != "false":
        return False
    if not actor.administers(project_key):
        raise JiraError(403, [DISCARD_REFUSED])
    return True


def mailer_of(request: web.Request) -> Mailer:
    return request.app[MAILER]
