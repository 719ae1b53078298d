"""What each site has, read through REST and cached: the project's components, versions and
issue types, custom field ids by name, and which account is the same person on both sites.

Rendering a value for a site (``streams.sync.fields.render``) needs these answers; they
change rarely, so they are read once and refreshed after ``ttl`` or when a name is missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import JiraError
from streams.sync.fields import (
    NAMED_LISTS,
    SITE2_USER,
    CustomField,
    FieldMaps,
    NameMap,
    Priorities,
)
from streams.sync.mapping import CustomFieldSpec

log = logging.getLogger(__name__)
REFRESH_ON_MISS = 30.0  # seconds: a missing name re-reads the project at most this often
UNKNOWN_USER_TTL = 600.0  # seconds before a person with no match is looked up again
PROJECT_TYPE = "projectTypeKey"  # in ``available``'s answer: the project's type, one name
SUBTASKS = "subtasks"  # in ``available``'s answer: the project's sub-task types


@dataclass
class _Project:
    id: int
    names: dict[str, frozenset[str]]  # components, fixVersions, issuetype, projectTypeKey
    read_at: float


@dataclass
class SiteCatalogs:
    clients: Mapping[int, JiraClient]
    project_keys: Mapping[int, str]
    maps: FieldMaps
    create_missing: bool = False
    ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _projects: dict[int, _Project] = field(default_factory=dict)
    _no_match: dict[tuple[int, str], float] = field(default_factory=dict)
    _priorities: dict[int, tuple[Priorities | None, float]] = field(default_factory=dict)

    async def priorities(self, site: int) -> Priorities | None:
        """The site's priorities and its default (the one marked ``isDefault``, else the
        first), read at most once per ``ttl``; None when the answer lists none. A failed
        read gives the last answer (or None: the priority is written as asked)."""
        cached = self._priorities.get(site)
        if cached is not None and self.clock() - cached[1] <= self.ttl:
            return cached[0]
        try:
            body = await self.clients[site].request("GET", "/rest/api/3/priority")
        except JiraError as error:
            log.warning("priorities of site %d not read: %s", site, error)
            return cached[0] if cached is not None else None
        found = _priorities(body)
        self._priorities[site] = (found, self.clock())
        return found

    async def available(
        self, site: int, wanted: dict[str, list[str]] | None = None
    ) -> dict[str, frozenset[str]]:
        """Component, version and issue type names of the site's project, and its type
        (``PROJECT_TYPE``). ``wanted`` (field -> canonical names about to be written)
        re-reads a stale answer that lacks one of them, and creates the missing ones when
        configured."""
        project = self._projects.get(site)
        now = self.clock()
        if (
            project is None
            or now - project.read_at > self.ttl
            or (
                wanted
                and self._lacks(site, project, wanted)
                and now - project.read_at > REFRESH_ON_MISS
            )
        ):
            project = await self._read(site)
        if wanted and self.create_missing and self._lacks(site, project, wanted):
            await self._create_missing(site, project, wanted)
            project = await self._read(site)
        return project.names

    async def _read(self, site: int) -> _Project:
        body = await self.clients[site].request(
            "GET", f"/rest/api/3/project/{self.project_keys[site]}"
        )
        names = {
            "components": frozenset(c["name"] for c in body.get("components") or []),
            "fixVersions": frozenset(v["name"] for v in body.get("versions") or []),
            "issuetype": frozenset(t["name"] for t in body.get("issueTypes") or []),
            SUBTASKS: frozenset(
                t["name"] for t in body.get("issueTypes") or [] if t.get("subtask")
            ),
            PROJECT_TYPE: frozenset({str(body.get("projectTypeKey") or "software")}),
        }
        project = _Project(int(body["id"]), names, self.clock())
        self._projects[site] = project
        return project

    def _missing(
        self, site: int, project: _Project, wanted: dict[str, list[str]]
    ) -> dict[str, list[str]]:
        missing: dict[str, list[str]] = {}
        for name, values in wanted.items():
            have = {n.casefold() for n in project.names.get(name, frozenset())}
            mapped = (self.maps.named(name).to_site(site, v) or v for v in values)  # type: ignore[arg-type]
            lacking = [v for v in mapped if v.casefold() not in have]
            if lacking:
                missing[name] = lacking
        return missing

    def _lacks(self, site: int, project: _Project, wanted: dict[str, list[str]]) -> bool:
        return bool(self._missing(site, project, wanted))

    async def _create_missing(
        self, site: int, project: _Project, wanted: dict[str, list[str]]
    ) -> None:
        client, key = self.clients[site], self.project_keys[site]
        for name, values in self._missing(site, project, wanted).items():
            for value in values:
                try:
                    body: dict[str, Any]
                    if name == "components":
                        body = {"name": value, "project": key}
                        await client.request("POST", "/rest/api/3/component", json=body)
                    else:
                        body = {"name": value, "projectId": project.id}
                        await client.request("POST", "/rest/api/3/version", json=body)
                    log.info("created %s %r on site %d", name, value, site)
                except JiraError as error:  # no permission: the warning path reports it
                    log.warning("could not create %s %r on site %d: %s", name, value, site, error)

    async def learn_user(self, target: int, canonical: str) -> None:
        """Find ``canonical``'s account on ``target`` by a visible email address, once."""
        if self.maps.users.to_site(target, canonical) is not None:  # type: ignore[arg-type]
            return
        source = 1 if target == 2 else 2
        account = canonical.removeprefix(SITE2_USER) if source == 2 else canonical
        if canonical.startswith(SITE2_USER) != (source == 2):
            return
        asked = self._no_match.get((target, canonical))
        if asked is not None and self.clock() - asked < UNKNOWN_USER_TTL:
            return
        try:
            match = await self._same_person(source, account, target)
        except JiraError as error:
            log.warning("user lookup failed: %s", error)
            match = None
        if match is None:
            self._no_match[(target, canonical)] = self.clock()
            return
        if source == 1:
            self.maps.users.learned.learn(account, match)
        else:
            self.maps.users.learned.learn(match, account)

    async def _same_person(self, source: int, account: str, target: int) -> str | None:
        """Account ids are global in JIRA Cloud: the same id on the target is the same
        person. Otherwise a visible email address that matches exactly one target user."""
        if await self._active(target, account):
            return account
        users = await self.clients[source].request(
            "GET", "/rest/api/3/user/search", params={"accountId": account}
        )
        email = next((u.get("emailAddress") for u in users if u.get("accountId") == account), None)
        if not email:
            return None  # hidden by the user's profile privacy: no way to match safely
        found = await self.clients[target].find_users(email)
        exact = [u for u in found if (u.email_address or "").casefold() == email.casefold()]
        return exact[0].account_id if len(exact) == 1 else None

    async def _active(self, site: int, account: str) -> bool:
        users = await self.clients[site].request(
            "GET", "/rest/api/3/user/search", params={"accountId": account}
        )
        return any(u.get("accountId") == account and u.get("active", True) for u in users)


def _priorities(body: Any) -> Priorities | None:
    listed = (
        [p for p in body if isinstance(p, dict) and p.get("name")] if isinstance(body, list) else []
    )
    if not listed:
        return None
    default = next((p for p in listed if p.get("isDefault") is True), listed[0])
    return Priorities(frozenset(str(p["name"]) for p in listed), str(default["name"]))


async def resolve_custom_fields(
    clients: Mapping[int, JiraClient], specs: list[CustomFieldSpec]
) -> tuple[list[CustomField], list[str]]:
    """The mapping file's custom fields with each site's ``customfield_N`` id, and a
    problem line for each field a site does not have (that field is not synced)."""
    ids: dict[int, dict[str, list[str]]] = {}
    for site, client in clients.items():
        by_name: dict[str, list[str]] = {}
        for details in await client.fields():
            if details.get("custom"):
                by_name.setdefault(str(details.get("name", "")).casefold(), []).append(
                    str(details["id"])
                )
        ids[site] = by_name
    resolved: list[CustomField] = []
    problems: list[str] = []
    for spec in specs:
        found: dict[int, str] = {}
        for site in (1, 2):
            matches = ids.get(site, {}).get(spec.name_on(site).casefold(), [])
            if len(matches) == 1:
                found[site] = matches[0]
            else:
                what = "no custom field" if not matches else f"{len(matches)} custom fields"
                problems.append(f"site {site} has {what} named {spec.name_on(site)!r}")
        if len(found) == 2:
            resolved.append(custom_field(spec, found))
    return resolved, problems


def custom_field(spec: CustomFieldSpec, ids: Mapping[int, str]) -> CustomField:
    """A mapping file's custom field with each site's ``customfield_N`` id."""
    return CustomField(spec.name, spec.type, dict(ids), NameMap(dict(spec.options)))


def wanted_names(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The component and version names a write carries (canonical)."""
    return {name: [str(v) for v in values[name] or []] for name in NAMED_LISTS if name in values}
