"""The mapping file (``MAPPING_FILE``, YAML or TOML): how names differ between the sites.

Every map reads "site 1 name: site 2 name"; a name absent from a map is the same on both
sides. Custom fields are named by their display name (resolved to each site's own
``customfield_N`` id at start-up, see ``resolve_custom_fields``)::

    statuses:    {"In Progress": "Doing"}
    priorities:  {"Highest": "Blocker"}
    issue_types: {"Bug": "Defect"}          # used when a counterpart is created
    components:  {"Backend": "Server"}
    versions:    {"1.0": "v1"}
    users:       {"<site 1 accountId>": "<site 2 accountId>"}
    security_levels: {"Partner visible": "Partner"}  # issues with these levels are copied,
                                          # with the mapped level; any other level: never
    resolutions: {"Fixed": "Done", "Won't Do": "Won't Fix"}   # set through transition screens
    link_types:  {"Blocks": "Blocker"}        # issue link types
    transition_defaults:                      # a transition screen's required fields, per
      site1: {Resolution: "Fixed"}            # site, by field name or id: used when the
      site2: {Severity: "Major"}              # origin has no (mappable) value
    custom_fields:
      - name: Customer                        # the field's name on site 1
        site2_name: Client                    # when site 2 calls it differently
        type: text                            # text | number | date | select | multiselect | labels
      - name: Severity
        type: select
        options: {"Critical": "Sev 1"}        # select values, site 1: site 2
    filters:
      include_labels: [partner]               # only issues carrying one of these labels
      exclude_labels: [internal]              # never issues carrying one of these
      issue_types: [Bug, Task]                # only these types (site 1 names)
      jql:                                    # per site: only issues JIRA says match
        1: "priority = High OR labels = partner"  # (searched as project = KEY AND (...))
        2: "component = Partner"              # TOML: [filters.jql] then 1 = "..."
    attachments:                              # which files travel (SYNC_ATTACHMENTS=true)
      max_bytes: 10485760                     # larger ones: a warning on the pair, no copy
      include: ["*.pdf", "*.png"]             # name globs (case-insensitive); empty: all
      exclude: ["*.exe"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from streams.config_files import load_file

CustomType = Literal["text", "number", "date", "select", "multiselect", "labels"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomFieldSpec(_Strict):
    name: str = Field(min_length=1)
    site2_name: str | None = None
    type: CustomType
    options: dict[str, str] = Field(default_factory=dict)

    def name_on(self, site: int) -> str:
        return self.site2_name or self.name if site == 2 else self.name


class Filters(_Strict):
    include_labels: list[str] = Field(default_factory=list)
    exclude_labels: list[str] = Field(default_factory=list)
    issue_types: list[str] = Field(default_factory=list)
    jql: dict[int, str] = Field(default_factory=dict)  # site number: JQL JIRA evaluates

    @field_validator("jql")
    @classmethod
    def _sites(cls, jql: dict[int, str]) -> dict[int, str]:
        for site, text in jql.items():
            if site not in (1, 2):
                raise ValueError(f"a site is 1 or 2, not {site}")
            if not text.strip():
                raise ValueError(f"the JQL of site {site} is empty")
        return {site: text.strip() for site, text in jql.items()}


class AttachmentsSpec(_Strict):
    max_bytes: int | None = Field(default=None, ge=0)  # larger files: a warning, no copy
    include: list[str] = Field(default_factory=list)  # name globs; empty: every file
    exclude: list[str] = Field(default_factory=list)


DefaultValue = str | float | list[str]


class TransitionDefaults(_Strict):
    site1: dict[str, DefaultValue] = Field(default_factory=dict)
    site2: dict[str, DefaultValue] = Field(default_factory=dict)

    def on(self, site: int) -> dict[str, DefaultValue]:
        return self.site1 if site == 1 else self.site2


class MappingFile(_Strict):
    statuses: dict[str, str] = Field(default_factory=dict)
    priorities: dict[str, str] = Field(default_factory=dict)
    issue_types: dict[str, str] = Field(default_factory=dict)
    components: dict[str, str] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    users: dict[str, str] = Field(default_factory=dict)
    security_levels: dict[str, str] = Field(default_factory=dict)
    custom_fields: list[CustomFieldSpec] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    resolutions: dict[str, str] = Field(default_factory=dict)
    link_types: dict[str, str] = Field(default_factory=dict)  # issue link types, by name
    transition_defaults: TransitionDefaults = Field(default_factory=TransitionDefaults)
    attachments: AttachmentsSpec = Field(default_factory=AttachmentsSpec)


class MappingError(ValueError):
    """The mapping file is missing, unreadable or malformed; the message says where."""


def load_mapping(path: Path | None) -> MappingFile:
    if path is None:
        return MappingFile()
    return load_file(path, MappingFile, "mapping file", MappingError)
