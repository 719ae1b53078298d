"""Components and versions, which JIRA keeps per project: each project of the site has its
own list (the configured names, each project its own ids, unique on the site as JIRA's
are), a value of one project is unknown in another, and a new one is added to one."""

from __future__ import annotations

from typing import Any

PER_PROJECT = frozenset({"components", "versions"})


class ProjectValues:
    def __init__(
        self,
        base: str,
        projects: dict[str, str],
        components: tuple[str, ...],
        versions: tuple[str, ...],
    ) -> None:
        """``projects``: key -> id, the configured project first (its ids start at 10000)."""
        self.base = base
        self.project_ids = projects
        self._lists: dict[str, dict[str, list[dict[str, Any]]]] = {k: {} for k in PER_PROJECT}
        for key in projects:
            self._lists["components"][key] = []
            self._lists["versions"][key] = []
            for name in components:
                self.add("components", name, key)
            for n, name in enumerate(versions):
                self.add("versions", name, key, released=n == 0)

    def values(self, kind: str, project: str) -> list[dict[str, Any]]:
        return self._lists[kind][project]

    def add(self, kind: str, name: str, project: str, *, released: bool = False) -> dict[str, Any]:
        """A new component or version of ``project``, with the site's next id."""
        every = (v for lists in self._lists[kind].values() for v in lists)
        next_id = str(max((int(v["id"]) for v in every), default=9999) + 1)
        value = (
            self._component(next_id, name)
            if kind == "components"
            else self._version(next_id, name, released, project)
        )
        self._lists[kind][project].append(value)
        return value

    def _component(self, id_: str, name: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/component/{id_}",
            "id": id_,
            "name": name,
            "description": "",
        }

    def _version(self, id_: str, name: str, released: bool, project: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/version/{id_}",
            "id": id_,
            "name": name,
            "archived": False,
            "released": released,
            "projectId": int(self.project_ids[project]),
        }
