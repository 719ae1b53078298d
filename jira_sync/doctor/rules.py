"""``jira-sync doctor``: JIRA's answers classified into findings. Pure: no I/O.

``SiteView`` is what a site check knows before it asks anything: which site, where, which
project, and which fields and permissions the sync needs there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jira_sync.doctor.report import Finding, Outcome, fail, ok, warn
from streams.jira.errors import (
    Forbidden,
    JiraError,
    JiraUnavailable,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)

TOKENS_PAGE = "https://id.atlassian.com/manage-profile/security/api-tokens"
ALWAYS_SENT = frozenset({"project", "issuetype", "summary"})
# permission key -> (what breaks without it, FAIL or only WARN)
NEEDS: dict[str, tuple[str, Outcome]] = {
    "BROWSE_PROJECTS": ("no issue can be read", Outcome.FAIL),
    "CREATE_ISSUES": ("counterparts cannot be created", Outcome.FAIL),
    "EDIT_ISSUES": ("edits and the link marker cannot be written", Outcome.FAIL),
    "TRANSITION_ISSUES": ("statuses cannot follow", Outcome.FAIL),
    "LINK_ISSUES": ("no remote links between twins (the pair still syncs)", Outcome.WARN),
    "ASSIGN_ISSUES": ("assignees cannot be set", Outcome.WARN),
    "ADD_COMMENTS": ("comments cannot be copied", Outcome.WARN),
    "EDIT_OWN_COMMENTS": ("edits of copied comments cannot follow", Outcome.WARN),
    "DELETE_OWN_COMMENTS": ("deleted comments' copies stay", Outcome.WARN),
    "DELETE_ISSUES": ("DELETION_POLICY=delete cannot delete the other issue", Outcome.WARN),
}


@dataclass(frozen=True)
class SiteView:
    number: Literal[1, 2]
    base_url: str
    project: str
    sandbox: bool  # no credentials for this site: the local emulator stands in
    fields: tuple[str, ...]  # field ids the sync writes
    permissions: tuple[str, ...]  # keys of NEEDS the sync uses here
    custom_names: tuple[str, ...] = ()  # custom fields of the mapping file, this site's names
    jql: str | None = None  # the mapping file's JQL filter of this site
    connection: str = ""  # named when the deployment serves several (``streams.connections``)

    def check(self, what: str) -> str:
        if self.connection:
            return f"site {self.number} {self.connection} {what}"
        return f"site {self.number} {what}"

    def credentials_fix(self) -> str:
        if self.sandbox:
            return (
                "sandbox mode signs in as sandbox@example.com / sandbox-token: make sure "
                f"{self.base_url} is the emulator (`jira-sync up`), or configure "
                f"JIRA_{self.number}_* for a real site"
            )
        n = self.number
        return (
            f"check JIRA_{n}_USERNAME (the account's email address) and JIRA_{n}_API_TOKEN "
            f"(an API token from {TOKENS_PAGE}, not the password)"
        )

    def unreachable_fix(self) -> str:
        if self.sandbox:
            return (
                f"start the sandbox (`jira-sync up`, or `jira-sync emulator --port "
                f"{self.base_url.rsplit(':', 1)[-1]} --project {self.project}`), or configure "
                f"JIRA_{self.number}_* for a real site"
            )
        return f"check JIRA_{self.number}_BASE_URL and that this machine can reach it"


def jira_error(view: SiteView, what: str, error: JiraError, primary: bool = False) -> Finding:
    """A JIRA call that did not succeed. Refused credentials and no answer at all are
    explained, with their fix, by the ``primary`` (credentials) check only; the others
    point at it."""
    check = view.check(what)
    if isinstance(error, Unauthorized | JiraUnavailable):
        return _access(view, check, error) if primary else _not_checked(view, check, error)
    if isinstance(error, RateLimited):
        fix = "run doctor again in a minute; lower JIRA_RATE_LIMIT_SCALE if it persists"
        return warn(check, "JIRA is rate limiting this account (429)", fix)
    if isinstance(error, ServerError):
        return fail(check, f"JIRA answered {error.status}", "JIRA's own trouble: try again later")
    if isinstance(error, Forbidden):
        fix = f"grant the account Browse projects in {view.project} (its permission scheme)"
        return fail(check, f"JIRA denied access (403): {_said(error)}", fix)
    return fail(check, error.describe(), "see JIRA's message; correct the setting it names")


def _access(view: SiteView, check: str, error: JiraError) -> Finding:
    if isinstance(error, Unauthorized):
        return fail(check, "JIRA refused the credentials (401)", view.credentials_fix())
    reason = "; ".join(error.messages) or "no answer"
    return fail(check, f"no answer from {view.base_url}: {reason}", view.unreachable_fix())


def _not_checked(view: SiteView, check: str, error: JiraError) -> Finding:
    why = (
        "the credentials were refused (401)"
        if isinstance(error, Unauthorized)
        else (f"no answer from {view.base_url}")
    )
    return fail(check, f"not checked: {why}", f"see '{view.check('credentials')}' first")


def _said(error: JiraError) -> str:
    return "; ".join(error.messages + list(error.errors.values())) or "no message"


def jql_filter(view: SiteView, refused: JiraError | None) -> Finding:
    """The site's JQL filter searched once: JIRA accepts it, or says why not (400)."""
    check = view.check("jql filter")
    if refused is None:
        return ok(check, f"JIRA accepts {view.jql}")
    fix = f"correct filters.jql.{view.number} in the mapping file (MAPPING_FILE)"
    return fail(check, f"JIRA refuses {view.jql}: {_said(refused)}", fix)


def myself(view: SiteView, body: Mapping[str, Any]) -> Finding:
    name = body.get("displayName") or body.get("accountId") or "?"
    email = f" <{body['emailAddress']}>" if body.get("emailAddress") else ""
    where = "the emulator at " if view.sandbox else ""
    return ok(view.check("credentials"), f"signed in to {where}{view.base_url} as {name}{email}")


def project(view: SiteView, body: Mapping[str, Any]) -> Finding:
    types = [str(t.get("name")) for t in body.get("issueTypes") or [] if t.get("name")]
    detail = f"{view.project} ({body.get('name', '?')}), issue types: {', '.join(types) or 'none'}"
    if not types:
        return fail(view.check("project"), detail, f"add issue types to {view.project}")
    return ok(view.check("project"), detail)


def missing_project(view: SiteView, error: NotFound) -> Finding:
    detail = f"project {view.project} does not exist or the account cannot browse it"
    where = (
        f"connection {view.connection}'s projects.{view.number} in SYNC_CONNECTIONS_FILE"
        if view.connection
        else f"JIRA_{view.number}_PROJECT_KEY"
    )
    fix = f"check {where}; grant the account Browse projects in it"
    return fail(view.check("project"), detail, fix)


def permissions(view: SiteView, held: Mapping[str, Any]) -> list[Finding]:
    """``mypermissions``' answer: a finding per missing permission, or one OK."""
    check = view.check("permissions")
    findings = []
    for key in view.permissions:
        if (held.get(key) or {}).get("havePermission") is True:
            continue
        why, outcome = NEEDS[key]
        fix = f"grant the account {key} in project {view.project} (its permission scheme)"
        findings.append(Finding(check, outcome, f"lacks {key}: {why}", fix))
    return findings or [ok(check, "has " + ", ".join(view.permissions))]


def notifications(view: SiteView, held: Mapping[str, Any]) -> Finding:
    """Whether the sync's edits on this site email the watchers: JIRA accepts
    ``notifyUsers=false`` only from a site admin (ADMINISTER) or a project admin
    (ADMINISTER_PROJECTS), https://developer.atlassian.com/cloud/jira/platform/rest/v3/
    api-group-issues/#api-rest-api-3-issue-issueidorkey-put; the sync asks, and edits
    with notifications where it may not (a warning: nothing stops)."""
    check = view.check("notifications")
    if _have(held, "ADMINISTER"):
        return ok(check, "edits send no notification emails (the account is site admin)")
    if _have(held, "ADMINISTER_PROJECTS"):
        detail = (
            f"edits send no notification emails (the account is project admin of {view.project})"
        )
        return ok(check, detail)
    detail = (
        f"the sync's edits email the watchers of {view.project} issues: the account is neither "
        "site admin nor project admin, and JIRA refuses notifyUsers=false to it"
    )
    fix = f"make the account an administrator of project {view.project}, or accept the emails"
    return warn(check, detail, fix)


def _have(held: Mapping[str, Any], key: str) -> bool:
    return (held.get(key) or {}).get("havePermission") is True


def create_screen(
    view: SiteView, screens: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[Finding]:
    """``screens``: issue type name -> its ``createmeta`` fields. One finding per set of
    issue types that lack the same synced fields, and per field required but never set."""
    check = view.check("create screen")
    lacking: dict[tuple[str, ...], list[str]] = {}
    required: dict[str, list[str]] = {}
    for issue_type, fields in screens.items():
        present = {str(field.get("fieldId")) for field in fields}
        missing = tuple(name for name in view.fields if name not in present)
        if missing:
            lacking.setdefault(missing, []).append(issue_type)
        for field in fields:
            if _demanded(field, view.fields):
                required.setdefault(str(field.get("fieldId")), []).append(issue_type)
    findings = [_lacking_on_create(check, view, names, types) for names, types in lacking.items()]
    findings += [_required_on_create(check, name, types) for name, types in required.items()]
    return findings or [ok(check, f"{_names(view.fields)} settable for {_names(screens)}")]


def _demanded(field: Mapping[str, Any], synced: Iterable[str]) -> bool:
    """Required, without a default, and never set by the sync: JIRA refuses the create."""
    name = str(field.get("fieldId"))
    settable = ALWAYS_SENT | set(synced)
    return bool(field.get("required")) and not field.get("hasDefaultValue") and name not in settable


def _lacking_on_create(
    check: str, view: SiteView, names: tuple[str, ...], types: list[str]
) -> Finding:
    detail = (
        f"not on the create screen of {_names(types)}: {_names(names)}; "
        "a counterpart is created without them (then set by an edit where the edit screen "
        "has them), with a warning on the pair"
    )
    fix = f"add {_names(names)} to the create screen of those issue types in {view.project}"
    return fail(check, detail, fix)


def _required_on_create(check: str, name: str, types: list[str]) -> Finding:
    detail = f"{name} is required on the create screen of {_names(types)}; the sync never sets it"
    fix = f"make {name} optional, or give it a default value, in the field configuration"
    return fail(check, detail, fix)


def edit_screen(view: SiteView, issue_key: str, fields: Mapping[str, Any]) -> Finding:
    """``editmeta`` of one issue: the synced fields missing there are dropped with a
    warning on the pair; the other fields still sync."""
    check = view.check("edit screen")
    lacking = [name for name in view.fields if name not in fields]
    if not lacking:
        return ok(check, f"{_names(view.fields)} editable (read from {issue_key})")
    detail = (
        f"not on the edit screen (read from {issue_key}): {_names(lacking)}; "
        "their changes are dropped with a warning on the pair"
    )
    fix = f"add {_names(lacking)} to the edit screen of project {view.project}"
    return warn(check, detail, fix)


def no_issue(view: SiteView) -> Finding:
    detail = f"{view.project} has no issue yet: the edit screen is read from one"
    return warn(view.check("edit screen"), detail, "create an issue there and run doctor again")


def custom_ids(
    view: SiteView, catalogue: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, str], list[Finding]]:
    """The site's ids of the mapping file's custom fields (unique name match, as the
    worker resolves them), and a finding for each it cannot resolve."""
    by_name: dict[str, list[str]] = {}
    for details in catalogue:
        if details.get("custom"):
            by_name.setdefault(str(details.get("name", "")).casefold(), []).append(
                str(details["id"])
            )
    ids, findings = {}, []
    for name in view.custom_names:
        matches = by_name.get(name.casefold(), [])
        if len(matches) == 1:
            ids[name] = matches[0]
            continue
        what = "no custom field" if not matches else f"{len(matches)} custom fields"
        fix = "correct custom_fields in MAPPING_FILE (site2_name for site 2's own name)"
        findings.append(
            warn(view.check("custom fields"), f"{what} named {name!r}: not synced", fix)
        )
    return ids, findings


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)
