"""Field values: from request input to the stored REST v3 shape, and into history items.

Each parser raises ``FieldError`` with JIRA's message for that field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox import adf
from sandbox.catalog import OPTION_KINDS, REFERENCE_KINDS, Catalog, FieldSpec
from sandbox.errors import NOT_ADF, TOO_LONG
from sandbox.model import ChangeItem
from sandbox.users import Directory

RICH_TEXT_LIMIT = 32_767
LINE_LIMIT = 255


class FieldError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Values:
    catalog: Catalog
    users: Directory
    wiki: bool = False  # a Data Center site: rich text is a wiki markup string, kept as given
    project: str | None = None  # whose components and versions (None: the configured one)

    def parse(self, spec: FieldSpec, raw: Any) -> Any:
        """The stored value for ``raw`` given in ``fields`` or as a ``set`` verb."""
        if spec.kind in REFERENCE_KINDS and spec.multi:
            return [self._reference(spec, item) for item in _as_list(raw)]
        if spec.kind in REFERENCE_KINDS or spec.kind == "option":
            return self._single_reference(spec, raw)
        parser = getattr(self, f"_parse_{spec.kind}", None)
        if parser is None:
            raise FieldError(f"Field '{spec.id}' cannot be set.")
        return parser(spec, raw)

    def apply(self, spec: FieldSpec, current: Any, verb: str, raw: Any) -> Any:
        """The value after one ``update`` operation."""
        if verb == "set":
            return self.parse(spec, raw)
        if verb not in {"add", "remove"} or not spec.multi:
            raise FieldError(f"Field '{spec.id}' does not support operation '{verb}'.")
        item = _label(raw) if spec.kind == "labels" else self._reference(spec, raw)
        present = [value for value in current if _identity(value) != _identity(item)]
        return [*present, item] if verb == "add" else present

    def _single_reference(self, spec: FieldSpec, raw: Any) -> Any:
        if raw is None and spec.kind in {"resolution", "option", "security"}:
            return None
        return self._reference(spec, raw)

    def _reference(self, spec: FieldSpec, raw: Any) -> dict[str, Any]:
        kind = spec.kind
        label = "value" if kind in OPTION_KINDS else "name"
        if not isinstance(raw, dict) or not ({"id", label} & raw.keys()):
            raise FieldError(f"Could not find valid 'id' or '{label}' in {spec.name} object.")
        key = "id" if "id" in raw else label
        found = self.catalog.find(kind, key, str(raw[key]), self.project)
        if found is None:
            raise FieldError(_unknown_reference(spec, key, str(raw[key])))
        return found

    def _parse_string(self, spec: FieldSpec, raw: Any) -> str | None:
        if raw is None and spec.custom:
            return None
        if not isinstance(raw, str):
            raise FieldError("Operation value must be a string")
        if spec.id == "summary" and not raw.strip():
            raise FieldError("You must specify a summary of the issue.")
        if len(raw) > LINE_LIMIT:
            if spec.id == "summary":
                raise FieldError("Summary must be less than 255 characters.")
            raise FieldError(TOO_LONG.format(limit=LINE_LIMIT))
        return raw

    def _parse_adf(self, spec: FieldSpec, raw: Any) -> dict[str, Any] | str | None:
        if raw is None:
            return None
        return wiki_text(raw) if self.wiki else rich_text(raw)

    def _parse_user(self, spec: FieldSpec, raw: Any) -> dict[str, Any] | None:
        if raw is None and spec.id == "assignee":
            return None
        account_id = raw.get("accountId") if isinstance(raw, dict) else None
        if not isinstance(account_id, str):
            raise FieldError(f"Specify a valid 'accountId' for {spec.name}")
        user = self.users.get(account_id)
        if user is None or not user.active:
            raise FieldError(f"User '{account_id}' does not exist.")
        return user.details(self.catalog.base)

    def _parse_labels(self, spec: FieldSpec, raw: Any) -> list[str]:
        labels = [_label(item) for item in _as_list(raw)]
        return list(dict.fromkeys(labels))

    def _parse_number(self, spec: FieldSpec, raw: Any) -> float | int | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise FieldError(f"Operation value must be a number: {spec.name}")
        return raw

    def _parse_date(self, spec: FieldSpec, raw: Any) -> str | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise FieldError(f"Error parsing date string: {raw}") from None


def rich_text(raw: Any) -> dict[str, Any]:
    """An ADF document, JIRA-checked: plain strings and malformed documents are refused."""
    if not adf.looks_like_document(raw):
        raise FieldError(NOT_ADF)
    if not adf.is_valid(raw):
        raise FieldError("INVALID_INPUT")
    if len(json.dumps(raw)) > RICH_TEXT_LIMIT:
        raise FieldError(TOO_LONG.format(limit=RICH_TEXT_LIMIT))
    return dict(raw)


def wiki_text(raw: Any) -> str:
    """Data Center's rich text: a string of wiki markup; an object (ADF) is refused."""
    if not isinstance(raw, str):
        raise FieldError("Operation value must be a string")
    if len(raw) > RICH_TEXT_LIMIT:
        raise FieldError(TOO_LONG.format(limit=RICH_TEXT_LIMIT))
    return raw


def _as_list(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise FieldError("data was not an array")
    return raw


def _label(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise FieldError("Operation value must be a string")
    if any(character.isspace() for character in raw):
        raise FieldError(f"The label '{raw}' contains spaces which is invalid.")
    if len(raw) > LINE_LIMIT:
        raise FieldError(
            f"The label '{raw}' exceeds the maximum length for a single label of 255 characters."
        )
    return raw


def _identity(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _unknown_reference(spec: FieldSpec, key: str, wanted: str) -> str:
    if spec.kind == "components":
        return (
            f"Component with id '{wanted}' does not exist."
            if key == "id"
            else (f"Component name '{wanted}' is not valid")
        )
    if spec.kind == "versions":
        return (
            f"Version with id '{wanted}' does not exist."
            if key == "id"
            else (f"Version name '{wanted}' is not valid")
        )
    if spec.kind in OPTION_KINDS:
        return f"Option {key} '{wanted}' is not valid"
    return f"The {spec.name.lower()} selected is invalid."


def history(spec: FieldSpec, old: Any, new: Any) -> list[ChangeItem]:
    """The changelog items JIRA records when ``spec`` goes from ``old`` to ``new``."""
    if old == new:
        return []
    fieldtype = "custom" if spec.custom else "jira"
    if spec.multi and spec.kind != "labels":
        return _list_history(spec, fieldtype, old or [], new or [])
    from_id, from_string = describe(spec, old)
    to_id, to_string = describe(spec, new)
    return [
        ChangeItem(spec.history_name, fieldtype, spec.id, from_id, from_string, to_id, to_string)
    ]


def _list_history(
    spec: FieldSpec, fieldtype: str, old: list[Any], new: list[Any]
) -> list[ChangeItem]:
    old_ids, new_ids = {v["id"] for v in old}, {v["id"] for v in new}
    removed = [
        ChangeItem(spec.history_name, fieldtype, spec.id, v["id"], _shown(v))
        for v in old
        if v["id"] not in new_ids
    ]
    added = [
        ChangeItem(spec.history_name, fieldtype, spec.id, to_id=v["id"], to_string=_shown(v))
        for v in new
        if v["id"] not in old_ids
    ]
    return removed + added


def _shown(value: dict[str, Any]) -> str:
    return str(value.get("name", value.get("value")))


def describe(spec: FieldSpec, value: Any) -> tuple[str | None, str | None]:
    """``(id, display string)`` of a stored value, as history items carry them."""
    if value is None:
        return None, None
    if spec.kind == "adf":
        return None, value if isinstance(value, str) else adf.to_wiki(value)
    if spec.kind == "labels":
        return None, " ".join(value)
    if spec.kind == "date":
        return value, f"{value} 00:00:00.0"
    if spec.kind == "user":
        return value["accountId"], value["displayName"]
    if isinstance(value, dict):
        return value.get("id"), value.get("name", value.get("value"))
    return None, str(value)
