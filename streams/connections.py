"""Connections: the project pairs one deployment syncs between its two sites.

Without ``SYNC_CONNECTIONS_FILE`` there is one connection, ``default``, made of the single
pair settings (``JIRA_1_PROJECT_KEY``, ``JIRA_2_PROJECT_KEY``, ``MAPPING_FILE``,
``CONFLICT_POLICY``, ``DELETION_POLICY``). With it, the file (YAML, or TOML when its name
ends in ``.toml``) lists any number of them::

    connections:
      - name: acme                      # lower case letters, digits and dashes
        projects: {1: ACME, 2: PARTNER}
        mapping: acme.yaml              # its mapping file (filters, JQL), relative to this
        conflict_policy: manual         # optional: CONFLICT_POLICY's value otherwise
        deletion_policy: ignore         # optional: DELETION_POLICY's value otherwise
      - name: globex
        projects: {1: GLOBEX, 2: GLX}

A project belongs to at most one connection on its site, so every issue has one connection
(or none: it is not synced). Pair ids are made from a site and an issue id, which JIRA never
reuses on a site, so they are unique across connections as they are within one.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from streams.config_files import load_file
from streams.settings import ConflictPolicy, DeletionPolicy, Settings
from streams.sites import SITES

DEFAULT = "default"  # the connection of the single pair settings
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PROJECT = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")


class ConnectionsError(ValueError):
    """The connections file cannot be used: the message names the file and the entry."""


class Connection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    projects: dict[int, str]  # site (1, 2) -> project key
    mapping: Path | None = None
    conflict_policy: ConflictPolicy | None = None
    deletion_policy: DeletionPolicy | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("must be lower case letters, digits and dashes, e.g. acme-support")
        return value

    @field_validator("projects", mode="before")
    @classmethod
    def _sites(cls, value: object) -> object:
        """TOML keys are strings: ``[connections.projects] 1 = "ACME"``."""
        if isinstance(value, dict):
            return {int(k) if str(k) in {"1", "2"} else k: v for k, v in value.items()}
        return value

    @field_validator("projects")
    @classmethod
    def _projects(cls, value: dict[int, str]) -> dict[int, str]:
        if set(value) != set(SITES):
            raise ValueError("must name one project on site 1 and one on site 2")
        for key in value.values():
            if not PROJECT.match(key):
                raise ValueError(f"{key!r} is not a JIRA project key (capital letters, digits)")
        return value

    def policy(self, settings: Settings) -> ConflictPolicy:
        return self.conflict_policy or settings.conflict_policy

    def deletion(self, settings: Settings) -> DeletionPolicy:
        return self.deletion_policy or settings.deletion_policy


class ConnectionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connections: list[Connection] = Field(min_length=1)


def load_connections(settings: Settings) -> tuple[Connection, ...]:
    """The deployment's connections, checked: names unique, no project in two."""
    path = settings.sync_connections_file
    if path is None:
        return (single(settings),)
    listed = _read(path).connections
    near = path.parent
    resolved = tuple(
        c.model_copy(update={"mapping": near / c.mapping})
        if c.mapping is not None and not c.mapping.is_absolute()
        else c
        for c in listed
    )
    problem = overlap(resolved)
    if problem is not None:
        raise ConnectionsError(f"connections file {path}: {problem}")
    return resolved


def single(settings: Settings) -> Connection:
    """The connection of the single pair settings."""
    return Connection(
        name=DEFAULT,
        projects={1: settings.jira_1_project_key, 2: settings.jira_2_project_key},
        mapping=settings.mapping_file,
        conflict_policy=settings.conflict_policy,
        deletion_policy=settings.deletion_policy,
    )


def overlap(connections: tuple[Connection, ...]) -> str | None:
    """Why these connections cannot be served together (None: they can)."""
    names: set[str] = set()
    owners: dict[tuple[int, str], str] = {}
    for connection in connections:
        if connection.name in names:
            return f"two connections are named {connection.name}"
        names.add(connection.name)
        for site, key in connection.projects.items():
            other = owners.setdefault((site, key), connection.name)
            if other != connection.name:
                return f"project {key} on site {site} is in both {other} and {connection.name}"
    return None


def _read(path: Path) -> ConnectionsFile:
    return load_file(path, ConnectionsFile, "connections file", ConnectionsError)


def scoped(settings: Settings, name: str | None) -> Settings:
    """``settings`` whose single pair is connection ``name`` (None: as they are), for the
    commands that work on one project pair (``match``, ``replay --what-if``)."""
    if name is None:
        return settings
    found = {c.name: c for c in load_connections(settings)}
    if name not in found:
        raise ConnectionsError(f"no connection is named {name} (known: {', '.join(found)})")
    connection = found[name]
    return settings.model_copy(
        update={
            "jira_1_project_key": connection.projects[1],
            "jira_2_project_key": connection.projects[2],
            "mapping_file": connection.mapping,
            "conflict_policy": connection.policy(settings),
            "deletion_policy": connection.deletion(settings),
        }
    )


def project_of(issue_key: str) -> str:
    return issue_key.rpartition("-")[0]
