"""The site's fixed metadata: fields (with site-specific custom field ids), priorities,
issue types, resolutions, components, versions and select options, in REST v3 shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.config import SiteConfig
from sandbox.project_values import PER_PROJECT, ProjectValues
from sandbox.security import level_values

PROJECT_ID = "10000"
MULTI_KINDS = frozenset({"labels", "components", "versions", "options"})
REFERENCE_KINDS = frozenset(
    {"priority", "issuetype", "resolution", "components", "versions", "options", "security"}
)
OPTION_KINDS = frozenset({"option", "options"})  # single and multi select: values by "value"


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
    ("security", "Security Level", "security", "securitylevel", None, "ec", None, ("level",)),
    ("attachment", "Attachment", "attachment", "array", "attachment", "", None, ()),
    ("issuelinks", "Linked Issues", "issuelinks", "array", "issuelinks", "", None, ()),
    ("subtasks", "Sub-tasks", "subtasks", "array", "issuelinks", "", None, ()),
    ("parent", "Parent", "parent", "issuelink", None, "", None, ("parent",)),
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


# name, kind, schema type, schema items, plugin
CUSTOM_FIELDS: dict[str, tuple[str, str, str, str | None, str]] = {
    "text_field_id": ("Customer", "string", "string", None, "textfield"),
    "select_field_id": ("Severity", "option", "option", None, "select"),
    "number_field_id": ("Story Points", "number", "number", None, "float"),
    "date_field_id": ("Go-live", "date", "date", None, "datepicker"),
    "multiselect_field_id": ("Platforms", "options", "array", "option", "multiselect"),
    "labels_field_id": ("Tags", "labels", "array", "string", "labels"),
    "textarea_field_id": ("Acceptance criteria", "adf", "string", None, "textarea"),
}


def custom_fields(config: SiteConfig) -> list[FieldSpec]:
    specs = []
    for setting, (name, kind, type_, items, plugin) in CUSTOM_FIELDS.items():
        field_id = getattr(config, setting)
        if field_id is None:
            continue
        schema = _custom(type_, plugin, field_id) | ({"items": items} if items else {})
        clauses = (f"cf[{_number(field_id)}]", name)
        specs.append(FieldSpec(field_id, name, kind, schema, custom=True, clause_names=clauses))
    return specs


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
        self.projects = _projects(config)
        ids = {key: project_id for key, (project_id, _) in self.projects.items()}
        self.owned = ProjectValues(self.base, ids, config.components, config.versions)
        self.project_type = config.project_type
        specs = system_fields() + custom_fields(config)
        self.fields = {spec.id: spec for spec in specs}
        self.select_field_id = config.select_field_id
        self.default_priority_name = config.default_priority
        self._values: dict[str, list[dict[str, Any]]] = {
            "priority": [self._priority(*row) for row in chosen(PRIORITIES, config.priorities)],
            "issuetype": [
                self._issue_type(*row, level=_level(row[1], config))
                for row in chosen(ISSUE_TYPES, _all_types(config))
            ],
            "resolution": [
                self._resolution(str(10000 + n), name, RESOLUTIONS.get(name, ""))
                for n, name in enumerate(config.resolutions)
            ],
            "option": self._options(_number(config.select_field_id), SEVERITIES),
            "options": self._options(_number(config.multiselect_field_id), PLATFORMS),
            "security": level_values(self.base),
        }

    def add(self, kind: str, name: str, project: str | None = None) -> dict[str, Any]:
        """A new component or version of ``project`` (``POST /rest/api/3/component`` /
        ``version``); None: the configured project."""
        return self.owned.add(kind, name, project or self.project_key)

    def values(self, kind: str, project: str | None = None) -> list[dict[str, Any]]:
        """The values of ``kind``: a project's own for components and versions (None: the
        configured project's), else the site's."""
        if kind in PER_PROJECT:
            return self.owned.values(kind, project or self.project_key)
        return self._values[kind]

    def find(
        self, kind: str, key: str, wanted: str, project: str | None = None
    ) -> dict[str, Any] | None:
        fold = wanted.casefold() if key != "id" else wanted
        for value in self.values(kind, project):
            have = str(value.get(key, ""))
            if (have.casefold() if key != "id" else have) == fold:
                return value
        return None

    def default_priority(self) -> dict[str, Any]:
        """The configured default, else the first priority (the site has at least one)."""
        found = self.find("priority", "name", self.default_priority_name)
        return found if found is not None else self._values["priority"][0]

    def resolution_done(self) -> dict[str, Any]:
        """What a simplified workflow's post-function sets: Done, where the site has it."""
        done = self.find("resolution", "name", "Done")
        return done if done is not None else self._values["resolution"][0]

    def project_key_of(self, wanted: object) -> str | None:
        """The key of the site's project named by ``wanted`` (its key or id), else None."""
        text = str(wanted).upper()
        return next((k for k, (i, _) in self.projects.items() if text in {k, i}), None)

    def project_ref(self, key: str | None = None) -> dict[str, Any]:
        project_id, name = self.projects[key or self.project_key]
        return {
            "self": f"{self.base}/rest/api/3/project/{project_id}",
            "id": project_id,
            "key": key or self.project_key,
            "name": name,
            "projectTypeKey": self.project_type if key in (None, self.project_key) else "software",
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

    def _issue_type(
        self, id_: str, name: str, description: str, *, level: int = 0
    ) -> dict[str, Any]:
        """An issue type at its hierarchy level: -1 a sub-task, 0 standard, 1 an epic."""
        return {
            "self": f"{self.base}/rest/api/3/issuetype/{id_}",
            "id": id_,
            "description": description,
            "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{id_}",
            "name": name,
            "subtask": level == -1,
            "avatarId": int(id_),
            "hierarchyLevel": level,
        }

    def _resolution(self, id_: str, name: str, description: str) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/resolution/{id_}",
            "id": id_,
            "description": description,
            "name": name,
        }

    def _options(self, field_number: int, values: tuple[str, ...]) -> list[dict[str, Any]]:
        return [
            {
                "self": f"{self.base}/rest/api/3/customFieldOption/{field_number * 10 + n}",
                "value": value,
                "id": str(field_number * 10 + n),
            }
            for n, value in enumerate(values)
        ]


def _projects(config: SiteConfig) -> dict[str, tuple[str, str]]:
    """Project key -> (id, name): the configured project first (id 10000), then the others
    issues can be moved to (ids 10001, ...)."""
    others = [key for key in dict.fromkeys(config.other_projects) if key != config.project_key]
    projects = {config.project_key: (PROJECT_ID, config.display_project_name)}
    return projects | {key: (str(10001 + n), f"Project {key}") for n, key in enumerate(others)}


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
    ("10000", "Epic", "A big user story that needs to be broken down."),
    ("5", "Sub-task", "A small piece of work that's part of a larger task."),
]
RESOLUTIONS = {  # descriptions of the resolutions sites commonly have
    "Done": "Work has been completed on this issue.",
    "Fixed": "A fix for this issue is checked into the tree and tested.",
    "Won't Do": "This issue won't be actioned.",
    "Won't Fix": "The problem described is an issue which will never be fixed.",
    "Duplicate": "The problem is a duplicate of an existing issue.",
    "Incomplete": "The problem is not completely described.",
    "Cannot Reproduce": "All attempts at reproducing this issue failed.",
}


def _all_types(config: SiteConfig) -> tuple[str, ...]:
    return tuple(dict.fromkeys(config.issue_types + config.epic_types + config.subtask_types))


def _level(name: str, config: SiteConfig) -> int:
    folded = name.casefold()
    if folded in {t.casefold() for t in config.subtask_types}:
        return -1
    return 1 if folded in {t.casefold() for t in config.epic_types} else 0


def chosen(rows: list[tuple[str, str, str]], names: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The rows JIRA ships that ``names`` keeps, in its order; a name JIRA does not ship gets
    a new id (after the shipped ones) and an empty third column."""
    shipped = {row[1].casefold(): row for row in rows}
    start = max(int(row[0]) for row in rows) + 1
    return [
        shipped.get(name.casefold()) or (str(start + n), name, "") for n, name in enumerate(names)
    ]


SEVERITIES = ("Critical", "Major", "Minor")
PLATFORMS = ("iOS", "Android", "Web")
