"""What JIRA checks of a worklog and how it shows one (``sandbox.worklogs``).

- Time tracking must be on (``Site.time_tracking``; on by default, as on Cloud), else 400
  (the REST description of every worklog operation: "Time tracking must be enabled in
  Jira, otherwise this operation returns an error").
- Logging work needs Work On Issues; editing needs Edit All Worklogs, or Edit Own Worklogs
  for the caller's own; deleting, Delete All / Delete Own Worklogs. The OpenAPI answers of
  the three operations list a missing permission under **400** ("the user does not have
  permission to add / update / delete the worklog"), so the emulator answers 400.
- A new worklog needs ``started`` and a time (``timeSpentSeconds``, or ``timeSpent`` as
  ``1w 2d 3h 4m``: a day of 8 hours, a week of 5 days, JIRA's defaults); a malformed
  ``started``, a time of nothing, or a comment that is not ADF is 400.
- Worklog webhooks (``worklog_created/updated/deleted``) carry the worklog with its
  ``issueId`` and no issue: not its key, no ``user`` (JIRA Cloud's webhook events,
  https://developer.atlassian.com/cloud/jira/platform/webhooks/; "worklog hooks do not
  appear to have enough data ... such as the issue key",
  https://github.com/mattermost/mattermost-plugin-jira/issues/85; Cloud's worklog payloads
  "do not contain the issue fields", https://github.com/zulip/zulip/pull/39998).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sandbox import adf
from sandbox.clock import jira_time
from sandbox.errors import JiraError, bad_request, field_errors
from sandbox.model import Issue, Worklog
from sandbox.permissions import holds
from sandbox.site import Site
from sandbox.users import Directory, User
from sandbox.values import FieldError, rich_text

TRACKING_OFF = "Time Tracking is disabled."  # the emulator's wording
NO_TIME = "You must indicate the time spent working."
BAD_STARTED = "You must specify a valid start date (yyyy-MM-dd'T'HH:mm:ss.SSSZ)."
REFUSED = {
    "WORK_ON_ISSUES": "You do not have the permission to associate a worklog to this issue.",
    "EDIT": "You do not have the permission to edit this worklog.",
    "DELETE": "You do not have the permission to delete this worklog.",
}
UNITS = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}
DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[wdhm]?\s*)+$")
PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm]?)")


def check_tracking(site: Site) -> None:
    if not site.time_tracking:
        raise bad_request(TRACKING_OFF)


def check_may(site: Site, actor: User, verb: str, worklog: Worklog | None = None) -> None:
    """400 unless ``actor`` may ``verb`` ("WORK_ON_ISSUES", "EDIT", "DELETE") ``worklog``."""
    if verb == "WORK_ON_ISSUES":
        allowed = holds(actor, verb, site)
    else:
        own = worklog is not None and worklog.author_id == actor.account_id
        allowed = holds(actor, f"{verb}_ALL_WORKLOGS", site) or (
            own and holds(actor, f"{verb}_OWN_WORKLOGS", site)
        )
    if not allowed:
        raise bad_request(REFUSED[verb])


def seconds_of(body: dict[str, Any], *, required: bool) -> int | None:
    """The time spent a body asks for (None: not given, when not ``required``)."""
    if body.get("timeSpentSeconds") is not None:
        value = body["timeSpentSeconds"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise field_errors({"timeLogged": NO_TIME})
        return value
    spent = body.get("timeSpent")
    if spent is None:
        if required:
            raise field_errors({"timeLogged": NO_TIME})
        return None
    if not isinstance(spent, str) or not DURATION.match(spent):
        raise field_errors({"timeLogged": "Invalid time duration entered."})
    total = sum(float(n) * UNITS[unit or "m"] for n, unit in PART.findall(spent))
    if total < 1:
        raise field_errors({"timeLogged": NO_TIME})
    return int(total)


def started_of(body: dict[str, Any], *, required: bool) -> str | None:
    raw = body.get("started")
    if raw is None and not required:
        return None
    try:
        moment = datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        raise field_errors({"started": BAD_STARTED}) from None
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}"
        + (moment.strftime("%z"))
    )


def comment_of(body: dict[str, Any]) -> dict[str, Any] | None:
    raw = body.get("comment")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise field_errors({"comment": "Comment must be in Atlassian Document Format."})
    try:
        return rich_text(raw)
    except FieldError as error:
        raise field_errors({"comment": error.message}) from None


def duration(seconds: int) -> str:
    """``timeSpent`` as JIRA writes it: ``1d 2h 30m`` (8-hour days, 5-day weeks)."""
    parts, rest = [], seconds
    for unit, size in UNITS.items():
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return " ".join(parts) or "0m"


def rest(worklog: Worklog, users: Directory, base: str, *, properties: bool) -> dict[str, Any]:
    """A worklog as REST v3 answers it (``properties``: ``expand=properties``)."""
    body = _shown(worklog, users, base, api=3)
    body["comment"] = worklog.comment
    if body["comment"] is None:
        del body["comment"]
    if properties:
        body["properties"] = [{"key": k, "value": v} for k, v in worklog.properties.items()]
    return body


def webhook(event: str, worklog: Worklog, users: Directory, base: str, at_ms: int) -> Any:
    """A ``worklog_*`` webhook: the worklog (v2: wiki text), its ``issueId``, no issue."""
    shown = _shown(worklog, users, base, api=2)
    comment = worklog.comment or ""
    shown["comment"] = comment if isinstance(comment, str) else adf.to_wiki(comment)
    return {"timestamp": at_ms, "webhookEvent": event, "worklog": shown}


def _shown(worklog: Worklog, users: Directory, base: str, *, api: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{base}/rest/api/{api}/issue/{worklog.issue_id}/worklog/{worklog.id}",
        "author": _person(worklog.author_id, users, base, api),
        "updateAuthor": _person(worklog.update_author_id, users, base, api),
        "created": jira_time(worklog.created_ms),
        "updated": jira_time(worklog.updated_ms),
        "started": worklog.started,
        "timeSpent": duration(worklog.seconds),
        "timeSpentSeconds": worklog.seconds,
        "id": worklog.id,
        "issueId": worklog.issue_id,
    }
    if worklog.visibility is not None:
        body["visibility"] = worklog.visibility
    return body


def _person(account_id: str, users: Directory, base: str, api: int) -> dict[str, Any]:
    user = users.get(account_id)
    if user is None:
        return {"accountId": account_id, "displayName": "Former user", "active": False}
    shown = user.details(base, api=api)
    if api == 2:
        shown.pop("emailAddress", None)
    return shown


def worklog_of(issue: Issue, worklog_id: str) -> Worklog:
    found = issue.worklog(worklog_id)
    if found is None:
        raise JiraError(404, [f"Cannot find worklog with id: {worklog_id}."])
    return found
