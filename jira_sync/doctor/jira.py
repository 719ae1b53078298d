"""``jira-sync doctor``: the checks that ask each JIRA site, through ``JiraClient``.

Per site: credentials (``/myself``), the project, the account's permissions there
(``/mypermissions``), whether its edits can skip notification emails (site or project
admin), the create screen of every issue type (``createmeta``), the edit
screen (``editmeta`` of the newest issue) and, with a mapping file, its custom fields.
Each check opens its own client, makes one attempt per request (no retries: a doctor
reports, it does not wait JIRA out) and is classified by ``jira_sync.doctor.rules``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from jira_sync.doctor import rules
from jira_sync.doctor.flavour import flavour
from jira_sync.doctor.report import Check, Finding, ok
from jira_sync.doctor.rules import SiteView
from jira_sync.run.worker_cmd import sync_config
from streams.connections import Connection, single
from streams.jira.client import ADMIN_PERMISSIONS, API, JiraClient
from streams.jira.errors import BadRequest, JiraError, NotFound
from streams.jira.sites import open_client, site_auth
from streams.jira.transport import RetryPolicy
from streams.settings import DeletionPolicy, Settings
from streams.sync.jql_filter import scoped
from streams.sync.mapping import MappingFile, load_mapping
from streams.sync.messages import SyncConfig

Body = Callable[[JiraClient], Awaitable[list[Finding]]]
PAGE = 200  # createmeta's largest page
COMMENT_PERMISSIONS = ["ADD_COMMENTS", "EDIT_OWN_COMMENTS", "DELETE_OWN_COMMENTS"]
PROJECT_SCOPED = frozenset(
    {"project", "permissions", "notifications", "create screen"}
)  # 404: no such project


def synced_fields(settings: Settings, connection: Connection | None = None) -> tuple[str, ...]:
    """The field ids the worker writes (``jira-sync worker``'s own configuration)."""
    try:
        fields = sync_config(settings, connection=connection).fields
    except ValueError:  # an unreadable mapping file: the configuration check reports it
        fields = SyncConfig(project_keys={}).fields
    return tuple(name for name in fields if ":" not in name)


def _mapping(connection: Connection) -> MappingFile:
    try:
        return load_mapping(connection.mapping)
    except ValueError:  # the configuration check reports it
        return MappingFile()


def site_view(
    settings: Settings, number: Literal[1, 2], connection: Connection | None = None
) -> SiteView:
    """What the worker needs of ``number`` for ``connection`` (default: the single pair);
    a connection of a connections file is named in every check."""
    named = connection is not None and settings.sync_connections_file is not None
    connection = connection or single(settings)
    mapping = _mapping(connection)
    fields = synced_fields(settings, connection)
    wanted = ["BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES"]
    wanted += ["TRANSITION_ISSUES"] if settings.sync_status_transitions else []
    wanted += ["LINK_ISSUES"] + (["ASSIGN_ISSUES"] if "assignee" in fields else [])
    wanted += COMMENT_PERMISSIONS if settings.sync_comments else []
    deletes = connection.deletion(settings) is DeletionPolicy.DELETE
    wanted += ["DELETE_ISSUES"] if deletes else []
    return SiteView(
        number=number,
        base_url=site_auth(settings, number).base_url,
        project=connection.projects[number],
        sandbox=not settings.site(number).configured,
        fields=fields,
        permissions=tuple(wanted),
        custom_names=tuple(spec.name_on(number) for spec in mapping.custom_fields),
        jql=mapping.filters.jql.get(number),
        connection=connection.name if named else "",
    )


def site_checks(
    settings: Settings,
    number: Literal[1, 2],
    request_timeout: float,
    connection: Connection | None = None,
    credentials: bool = True,
) -> list[Check]:
    """The checks of one site for one connection (default: the single pair settings');
    ``credentials``: the site's sign-in too (asked once, with the first connection)."""
    view = site_view(settings, number, connection)
    auth = site_auth(settings, number)
    retry = RetryPolicy(attempts=1)

    def run(what: str, body: Body, primary: bool = False, view: SiteView = view) -> Check:
        async def check() -> list[Finding]:
            async with open_client(auth, retry, request_timeout=request_timeout) as client:
                try:
                    return await body(client)
                except NotFound as error:
                    if what in PROJECT_SCOPED:
                        return [rules.missing_project(view, error)]
                    return [rules.jira_error(view, what, error, primary)]
                except JiraError as error:
                    return [rules.jira_error(view, what, error, primary)]

        fix = f"{view.base_url} did not answer in time: check the network, or raise --timeout"
        return Check(view.check(what), check, fix)

    checks = [
        run("project", lambda client: _project(view, client)),
        run("permissions", lambda client: _permissions(view, client)),
        run("notifications", lambda client: _notifications(view, client)),
        run("create screen", lambda client: _create_screen(view, client)),
        run("edit screen", lambda client: _edit_screen(view, client)),
    ]
    if view.custom_names:
        checks.append(run("custom fields", lambda client: _custom_fields(view, client)))
    if view.jql:
        checks.append(run("jql filter", lambda client: _jql_filter(view, client)))
    if credentials:  # the site's, once: not a connection's
        site_wide = dataclasses.replace(view, connection="")
        signed_in = run("credentials", lambda c: _credentials(site_wide, c), True, site_wide)
        configured = settings.site(number).flavour
        kind = run("flavour", lambda c: flavour(site_wide, configured, c), False, site_wide)
        checks[0:0] = [signed_in, kind]
    return checks


async def _credentials(view: SiteView, client: JiraClient) -> list[Finding]:
    return [rules.myself(view, await client.request("GET", f"{API}/myself"))]


async def _project(view: SiteView, client: JiraClient) -> list[Finding]:
    return [rules.project(view, await client.request("GET", f"{API}/project/{view.project}"))]


async def _permissions(view: SiteView, client: JiraClient) -> list[Finding]:
    query = {"projectKey": view.project, "permissions": ",".join(view.permissions)}
    answer = await client.request("GET", f"{API}/mypermissions", params=query)
    return rules.permissions(view, answer.get("permissions") or {})


async def _notifications(view: SiteView, client: JiraClient) -> list[Finding]:
    query = {"projectKey": view.project, "permissions": ",".join(ADMIN_PERMISSIONS)}
    answer = await client.request("GET", f"{API}/mypermissions", params=query)
    return [rules.notifications(view, answer.get("permissions") or {})]


async def _create_screen(view: SiteView, client: JiraClient) -> list[Finding]:
    view = await _with_custom_ids(view, client)
    base = f"{API}/issue/createmeta/{view.project}/issuetypes"
    types = await _pages(client, base, "issueTypes")
    screens = {}
    for kind in types:
        screens[str(kind["name"])] = await _pages(client, f"{base}/{kind['id']}", "fields")
    return rules.create_screen(view, screens)


async def _edit_screen(view: SiteView, client: JiraClient) -> list[Finding]:
    view = await _with_custom_ids(view, client)
    jql = f'project = "{view.project}" ORDER BY created DESC'
    newest = await anext(aiter(client.search(jql, page_size=1, fields=["summary"])), None)
    if newest is None:
        return [rules.no_issue(view)]
    key = newest.key or newest.id
    answer = await client.request("GET", f"{API}/issue/{key}/editmeta")
    return [rules.edit_screen(view, key, answer.get("fields") or {})]


async def _custom_fields(view: SiteView, client: JiraClient) -> list[Finding]:
    ids, findings = rules.custom_ids(view, await client.fields())
    if not findings:
        found = ", ".join(f"{name} ({field_id})" for name, field_id in ids.items())
        return [ok(view.check("custom fields"), f"found {found}")]
    return findings


async def _jql_filter(view: SiteView, client: JiraClient) -> list[Finding]:
    """Searched as a full resync searches (one result, no fields)."""
    try:
        await client.any_match(scoped(view.project, view.jql))
    except BadRequest as refused:
        return [rules.jql_filter(view, refused)]
    return [rules.jql_filter(view, None)]


async def _with_custom_ids(view: SiteView, client: JiraClient) -> SiteView:
    """The view with the mapping file's custom fields added by this site's ids."""
    if not view.custom_names:
        return view
    ids, _ = rules.custom_ids(view, await client.fields())
    return dataclasses.replace(view, fields=(*view.fields, *ids.values()))


async def _pages(client: JiraClient, path: str, name: str) -> list[dict[str, Any]]:
    """Every item of a ``startAt``/``total`` paged answer."""
    items: list[dict[str, Any]] = []
    while True:
        page = await client.request("GET", path, params={"startAt": len(items), "maxResults": PAGE})
        batch = page.get(name) or []
        items += batch
        if not batch or len(items) >= int(page.get("total", 0)):
            return items
