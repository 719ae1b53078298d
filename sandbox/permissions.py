"""``GET /rest/api/3/mypermissions``: which permissions the caller holds.

The emulator has no permission schemes: every account that authenticates holds every
everyday project permission, in every context, except Browse Projects for an account the
site's security control took it from (``Security.without_browse``: such an account sees no
issue, and says so here as JIRA does). The administrative ones follow the
account's role (``sandbox.users``): ADMINISTER (global) only for a site admin,
ADMINISTER_PROJECTS only for a project admin of the project. A permission can be taken
from an account at runtime (``Site.withheld``, ``PUT /_emulator/worklogs``: the worklog
permissions, ``sandbox.worklogs``). What JIRA checks
about the request itself is checked: ``permissions`` is required and every key must be
known (400), and a ``projectKey``/``projectId`` or ``issueKey``/``issueId`` that does not
exist answers 404.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.errors import bad_request, not_found
from sandbox.http import actor_of, csv, site_of
from sandbox.site import Site
from sandbox.users import User

ROUTES = web.RouteTableDef()

# key: (id, name, type, description), as JIRA Cloud names them.
PERMISSIONS: dict[str, tuple[str, str, str, str]] = {
    "ADMINISTER": (
        "0",
        "Administer Jira",
        "GLOBAL",
        "Ability to perform most administration functions.",
    ),
    "BROWSE_PROJECTS": (
        "10",
        "Browse Projects",
        "PROJECT",
        "Ability to browse projects and the issues within them.",
    ),
    "CREATE_ISSUES": ("11", "Create Issues", "PROJECT", "Ability to create issues."),
    "EDIT_ISSUES": ("12", "Edit Issues", "PROJECT", "Ability to edit issues."),
    "ASSIGN_ISSUES": (
        "13",
        "Assign Issues",
        "PROJECT",
        "Ability to assign issues to other people.",
    ),
    "RESOLVE_ISSUES": (
        "14",
        "Resolve Issues",
        "PROJECT",
        "Ability to resolve and reopen issues. This includes the ability to set a fix version.",
    ),
    "ADD_COMMENTS": ("15", "Add Comments", "PROJECT", "Ability to comment on issues."),
    "DELETE_ISSUES": ("16", "Delete Issues", "PROJECT", "Ability to delete issues."),
    "ASSIGNABLE_USER": (
        "17",
        "Assignable User",
        "PROJECT",
        "Users with this permission may be assigned to issues.",
    ),
    "CLOSE_ISSUES": ("18", "Close Issues", "PROJECT", "Ability to close issues."),
    "LINK_ISSUES": (
        "21",
        "Link Issues",
        "PROJECT",
        "Ability to link issues together and create linked issues.",
    ),
    "EDIT_ALL_COMMENTS": (
        "34",
        "Edit All Comments",
        "PROJECT",
        "Ability to edit all comments made on issues.",
    ),
    "EDIT_OWN_COMMENTS": (
        "35",
        "Edit Own Comments",
        "PROJECT",
        "Ability to edit own comments made on issues.",
    ),
    "DELETE_ALL_COMMENTS": (
        "36",
        "Delete All Comments",
        "PROJECT",
        "Ability to delete all comments made on issues.",
    ),
    "DELETE_OWN_COMMENTS": (
        "37",
        "Delete Own Comments",
        "PROJECT",
        "Ability to delete own comments made on issues.",
    ),
    "WORK_ON_ISSUES": (
        "20",
        "Work On Issues",
        "PROJECT",
        "Ability to log work done against an issue. Only useful if Time Tracking is turned on.",
    ),
    "EDIT_OWN_WORKLOGS": ("40", "Edit Own Worklogs", "PROJECT", "Ability to edit own worklogs."),
    "EDIT_ALL_WORKLOGS": ("41", "Edit All Worklogs", "PROJECT", "Ability to edit all worklogs."),
    "DELETE_OWN_WORKLOGS": (
        "42",
        "Delete Own Worklogs",
        "PROJECT",
        "Ability to delete own worklogs.",
    ),
    "DELETE_ALL_WORKLOGS": (
        "43",
        "Delete All Worklogs",
        "PROJECT",
        "Ability to delete all worklogs.",
    ),
    "TRANSITION_ISSUES": ("46", "Transition Issues", "PROJECT", "Ability to transition issues."),
    "MODIFY_REPORTER": (
        "30",
        "Modify Reporter",
        "PROJECT",
        "Ability to modify the reporter when creating or editing an issue.",
    ),
    "ADMINISTER_PROJECTS": (
        "23",
        "Administer Projects",
        "PROJECT",
        "Ability to administer a project in Jira.",
    ),
}


@ROUTES.get("/rest/api/3/mypermissions")
async def my_permissions(request: web.Request) -> web.Response:
    site, query = site_of(request), request.query
    keys = csv(query.get("permissions")) or []
    if not keys:
        raise bad_request("The 'permissions' query parameter is required.")
    unknown = [key for key in keys if key not in PERMISSIONS]
    if unknown:
        raise bad_request(f"Permission key(s) not found: {', '.join(unknown)}.")
    project = _context(site, query.get("projectId") or query.get("projectKey"), "project")
    project = _context(site, query.get("issueId") or query.get("issueKey"), "issue") or project
    actor = actor_of(request)
    held = {key: _permission(key, holds(actor, key, site, project)) for key in keys}
    return web.json_response({"permissions": held})


def _context(site: Site, wanted: str | None, kind: str) -> str | None:
    """The key of the project the question is about (the issue's project for an issue);
    404 as JIRA words it for a project or an issue the site does not have."""
    if wanted is None:
        return None
    if kind == "project":
        key = site.catalog.project_key_of(wanted)
        if key is None:
            raise not_found(f"No project could be found with key '{wanted}'.")
        return key
    return str(site.find(wanted).fields["project"]["key"])


def holds(actor: User, key: str, site: Site, project: str | None = None) -> bool:
    """Whether ``actor`` holds permission ``key`` in ``project`` (None: in any of the site's
    projects, as JIRA answers without a context); ``Site.withheld`` takes one away."""
    if actor.account_id in site.withheld.get(key, set()):
        return False
    projects = [project] if project is not None else list(site.catalog.projects)
    return any(_holds(actor, key, site, p) for p in projects)


def _holds(actor: User, key: str, site: Site, project: str) -> bool:
    if key == "ADMINISTER":
        return actor.site_admin
    if key == "ADMINISTER_PROJECTS":
        return project in actor.admin_of
    if key == "MODIFY_REPORTER":
        return actor.administers(project)
    if key == "BROWSE_PROJECTS":
        return site.security.may_browse(actor.account_id)
    return PERMISSIONS[key][2] == "PROJECT"


def _permission(key: str, held: bool) -> dict[str, Any]:
    id_, name, type_, description = PERMISSIONS[key]
    return {
        "id": id_,
        "key": key,
        "name": name,
        "type": type_,
        "description": description,
        "havePermission": held,
    }
