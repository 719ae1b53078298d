"""The site's fixed metadata: fields (with site-specific custom field ids), priorities,
issue types, resolutions, components, versions and select options, in REST v3 shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.config import SiteConfig

PROJECT_ID = "10000"
MULTI_KINDS = frozenset({"labels", "components", "versions"})
REFERENCE_KINDS = frozenset({"priority", "issuetype", "resolution", "components", "versions"})


@dataclass(frozen=True)
class FieldSpec:
    id: str
    name: str
    kind: str
    schema: dict[str, Any]
    custom: bool = False
    editable: bool = True  # on the default edit screen
    creatable: bool = True  # on the default create screen
    changelog_name: str | None = None
    clause_names: tuple[str, ...] = field(default=())

    @property
    def multi(self) -> bool:
        return self.kind in MULTI_KINDS

    @property
    def history_name(self) -> str:
        return self.changelog_name or (self.name if self.custom else self.id)

    def details(self) -> dict[str, Any]:
        """``FieldDetails`` for ``GET /rest/api/3/field``."""
        return {
            "id": self.id,
            "key": self.id,
            "name": self.name,
            "custom": self.custom,
            "orderable": self.editable or self.creatable,
            "navigable": True,
            "searchable": True,
            "clauseNames": list(self.clause_names or (self.id,)),
            "schema": self.schema,
        }


# id, name, kind, schema type, schema items, on screens ("e"dit, "c"reate), history name,
# JQL clause names
Row = tuple[str, str, str, str, str | None, str, str | None, tuple[str, ...]]
SYSTEM_FIELDS: tuple[Row, ...] = (
    ("summary", "Summary", "string", "string", None, "ec", None, ()),
    ("description", "Description", "adf", "string", None, "ec", None, ()),
    ("issuetype", "Issue Type", "issuetype", "issuetype", None, "c", None, ("issuetype", "type")),
    ("project", "Project", "project", "project", None, "c", None, ()),
    ("priority", "Priority", "priority", "priority", None, "ec", None, ()),
    ("labels", "Labels", "labels", "array", "string", "ec", None, ()),
    ("components", "Components", "components", "array", "component", "ec", "Component",
     ("component",)),
    ("fixVersions", "Fix versions", "versions", "array", "version", "ec", "Fix Version",
     ("fixVersion",)),
    ("duedate", "Due date", "date", "date", None, "ec", None, ("due", "duedate")),
    ("assignee", "Assignee", "user", "user", None, "ec", None, ()),
    ("reporter", "Reporter", "user", "user", None, "ec", None, ()),
    ("creator", "Creator", "user", "user", None, "", None, ()),
    ("status", "Status", "status", "status", None, "", None, ()),
    ("resolution", "Resolution", "resolution", "resolution", None, "", None, ()),
    ("resolutiondate", "Resolved", "datetime", "datetime", None, "", None, ()),
    ("created", "Created", "datetime", "datetime", None, "", None, ()),
    ("updated", "Updated", "datetime", "datetime", None, "", None, ()),
)  # fmt: skip


def system_fields() -> list[FieldSpec]:
    return [_system_field(*row) for row in SYSTEM_FIELDS]


def _system_field(
    id_: str,
    name: str,
    kind: str,
    type_: str,
    items: str | None,
    screens: str,
    history_name: str | None,
    clauses: tuple[str, ...],
) -> FieldSpec:
    schema = {"type": type_, "system": id_} | ({"items": items} if items else {})
    editable, creatable = "e" in screens, "c" in screens
    return FieldSpec(id_, name, kind, schema, False, editable, creatable, history_name, clauses)


def custom_fields(config: SiteConfig) -> list[FieldSpec]:
    text_id, select_id = config.text_field_id, config.select_field_id
    return [
        FieldSpec(
            text_id,
            "Customer",
            "string",
            _custom("string", "textfield", text_id),
            custom=True,
            clause_names=(f"cf[{_number(text_id)}]", "Customer"),
        ),
        FieldSpec(
            select_id,
            "Severity",
            "option",
            _custom("option", "select", select_id),
            custom=True,
            clause_names=(f"cf[{_number(select_id)}]", "Severity"),
        ),
    ]


def _number(field_id: str) -> int:
    return int(field_id.removeprefix("customfield_"))


def _custom(type_: str, plugin: str, field_id: str) -> dict[str, Any]:
    return {
        "type": type_,
        "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{plugin}",
        "customId": _number(field_id),
    }


class Catalog:
    """Lookups of references (``{"id": ...}``, ``{"name": ...}``) to stored shapes."""

    def __init__(self, config: SiteConfig) -> None:
        self.base = config.base_url
        self.project_key = config.project_key
        self.project_name = config.display_project_name
        specs = system_fields() + custom_fields(config)
        self.fields = {spec.id: spec for spec in specs}
        self.select_field_id = config.select_field_id
        self._values: dict[str, list[dict[str, Any]]] = {
            "priority": [self._priority(*row) for row in PRIORITIES],
            "issuetype": [self._issue_type(*row) for row in ISSUE_TYPES],
            "resolution": [self._resolution(*row) for row in RESOLUTIONS],
            "components": [self._component(*row) for row in COMPONENTS],
            "versions": [self._version(*row) for row in VERSIONS],
            "option": self._options(_number(config.select_field_id)),
        }

    def values(self, kind: str) -> list[dict[str, Any]]:
        return self._values[kind]

    def find(self, kind: str, key: str, wanted: str) -> dict[str, Any] | None:
        fold = wanted.casefold() if key != "id" else wanted
        for value in self._values[kind]:
            have = str(value.get(key, ""))
            if (have.casefold() if key != "id" else have) == fold:
                return value
        return None

    def default_priority(self) -> dict[str, Any]:
        return self._values["priority"][2]

    def resolution_done(self) -> dict[str, Any]:
        return self._values["resolution"][0]

    def project_ref(self) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/project/{PROJECT_ID}",
            "id": PROJECT_ID,
            "key": self.project_key,
            "name": self.project_name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {
                size: f"{self.base}/rest/api/3/universal_avatar/view/type/project/"
                f"avatar/10400?size={size}"
                for size in ("48x48", "24x24", "16x16", "32x32")
            },
        }

    def _priority(self, id_: str, name: str, colour: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/priority/{id_}",
            "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": id_,
            "statusColor": colour,
        }

    def _issue_type(self, id_: str, name: str, description: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/issuetype/{id_}",
            "id": id_,
            "description": description,
            "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{id_}",
            "name": name,
            "subtask": False,
            "avatarId": int(id_),
            "hierarchyLevel": 0,
        }

    def _resolution(self, id_: str, name: str, description: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/resolution/{id_}",
            "id": id_,
            "description": description,
            "name": name,
        }

    def _component(self, id_: str, name: str, description: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/component/{id_}",
            "id": id_,
            "name": name,
            "description": description,
        }

    def _version(self, id_: str, name: str, released: bool) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/version/{id_}",
            "id": id_,
            "name": name,
            "archived": False,
            "released": released,
            "projectId": int(PROJECT_ID),
        }

    def _options(self, field_number: int) -> list[dict[str, Any]]:
        return [
            {
                "self": f"{self.base}/rest/api/3/customFieldOption/{field_number * 10 + n}",
                "value": value,
                "id": str(field_number * 10 + n),
            }
            for n, value in enumerate(("Critical", "Major", "Minor"))
        ]


PRIORITIES = [
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
]
ISSUE_TYPES = [
    ("10001", "Task", "A small, distinct piece of work."),
    ("10002", "Bug", "A problem or error."),
    ("10003", "Story", "Functionality or a feature expressed as a user goal."),
]
RESOLUTIONS = [
    ("10000", "Done", "Work has been completed on this issue."),
    ("10001", "Won't Do", "This issue won't be actioned."),
    ("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
]
COMPONENTS = [
    ("10000", "Backend", "Services and storage"),
    ("10001", "Frontend", "Web and mobile clients"),
]
VERSIONS = [("10000", "1.0", True), ("10001", "2.0", False)]
