"""Where the target project differs from the origin's: fields its screens refuse, issue
types it lacks (priorities: ``fields.render``). The sync degrades (leaves the value out or
uses the target's default, and warns) instead of failing the pair.

JIRA answers 400 with ``errors`` keyed by the REST field id, e.g. ``{"customfield_10042":
"Field 'customfield_10042' cannot be set. It is not on the appropriate screen, or
unknown."}`` when a create or an edit carries a field the project's create or edit screen
lacks; a 400 creates nothing (observed: https://github.com/tenable/integration-jira-cloud/
issues/216, https://github.com/console-helpers/jira-api-restclient/issues/24).
The sync's values are keyed by canonical name (``cf:<name>`` for custom fields), so an
id has to be turned back into its name before the value can be left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import BadRequest
from streams.jira.models import CreatedIssue
from streams.sync.fields import FieldMaps, SiteNumber

ALWAYS = frozenset({"project", "issuetype"})  # a create cannot do without these
CREATE_ATTEMPTS = 3  # JIRA names every refused field at once: one retry is the rule


def canonical_names(site: SiteNumber, field_ids: Iterable[str], maps: FieldMaps) -> dict[str, str]:
    """Canonical name -> the site's field id, for the REST field ids JIRA named. System
    fields are rendered under their own id (``summary``, ``priority``, ``duedate``...)."""
    customs = {custom.ids[site]: custom.key for custom in maps.custom if site in custom.ids}
    return {customs.get(field_id, field_id): field_id for field_id in field_ids}


def label(name: str, field_id: str) -> str:
    return name if name == field_id else f"{name} ({field_id})"


def not_on_edit_screen(site: SiteNumber, name: str, field_id: str) -> str:
    return f"{label(name, field_id)} is not on the edit screen of site {site}; it is not synced"


def not_on_create_screen(site: SiteNumber, name: str, field_id: str) -> str:
    return (
        f"{label(name, field_id)} is not on the create screen of site {site}: the issue was "
        "created without it, and it is set by an edit after the create"
    )


async def create_within_screens(
    client: JiraClient, fields: dict[str, Any], properties: dict[str, Any]
) -> tuple[CreatedIssue, list[str]]:
    """The issue created, and the field ids left out because the create screen refused
    them. A 400 creates nothing, so asking again without those fields is safe; any other
    refusal (or one naming no field that can be left out) is raised."""
    left_out: list[str] = []
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return await client.create_issue(fields, properties=properties), left_out
        except BadRequest as error:
            refused = [f for f in error.fields_not_on_screen if f in fields and f not in ALWAYS]
            if not refused or attempt == CREATE_ATTEMPTS:
                raise
            left_out += refused
            fields = {k: v for k, v in fields.items() if k not in refused}
    raise AssertionError("unreachable")  # pragma: no cover


def issue_type(
    site: SiteNumber, origin: Any, wanted: str | None, types: frozenset[str], default: str
) -> tuple[str, str | None]:
    """``wanted`` (the origin's type through the ``issue_types`` map) when the project has
    it, else ``default``, else the project's first type by name; with the warning. JIRA
    refuses a type the project lacks with 400 ``{"issuetype": "The issue type selected is
    invalid."}`` (https://github.com/tenable/integration-jira-cloud/issues/28)."""
    if wanted is not None and (not types or wanted in types):
        return wanted, None
    fallback = default if default in types or not types else min(types)
    if wanted is None:
        return fallback, None
    named = origin if wanted == origin else f"{origin} (mapped to {wanted})"
    problem = (
        f"issue type {named} is not in the project on site {site} (map it in the mapping "
        f"file's issue_types); created as {fallback}"
    )
    return fallback, problem
