"""Planning a create, edit or transition: ``fields`` and ``update`` verbs, screens, values.

``plan`` is pure: it returns the new values (field id -> stored value) or raises
``JiraError`` 400 with one message per offending field, as JIRA does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sandbox.catalog import Catalog
from sandbox.errors import BAD_PAYLOAD, bad_request, field_errors, screen_message
from sandbox.model import ChangeItem
from sandbox.values import FieldError, Values, history


@dataclass(frozen=True)
class Screens:
    """Fields settable when creating and when editing (the project's screens)."""

    create: frozenset[str]
    edit: frozenset[str]

    @classmethod
    def defaults(cls, catalog: Catalog) -> Screens:
        specs = catalog.fields.values()
        return cls(
            frozenset(spec.id for spec in specs if spec.creatable),
            frozenset(spec.id for spec in specs if spec.editable),
        )


def sections(body: Any) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """``fields`` and ``update`` of a request body, type-checked."""
    if not isinstance(body, dict):
        raise bad_request(BAD_PAYLOAD)
    fields, update = body.get("fields") or {}, body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise bad_request(BAD_PAYLOAD)
    for operations in update.values():
        if not isinstance(operations, list) or not all(_one_verb(op) for op in operations):
            raise bad_request(BAD_PAYLOAD)
    return fields, update


def _one_verb(operation: Any) -> bool:
    return isinstance(operation, dict) and len(operation) == 1


def plan(
    current: dict[str, Any],
    body: Any,
    *,
    screen: frozenset[str],
    values: Values,
) -> dict[str, Any]:
    fields, update = sections(body)
    _check_placement(fields, update, screen & values.catalog.fields.keys())
    planned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field_id, raw in fields.items():
        parse = partial(values.parse, values.catalog.fields[field_id], raw)
        _collect(planned, errors, field_id, parse)
    for field_id, operations in update.items():
        start = current.get(field_id)
        _collect(planned, errors, field_id, _verbs(values, field_id, start, operations))
    if errors:
        raise field_errors(errors)
    return planned


def _check_placement(
    fields: dict[str, Any], update: dict[str, Any], screen: frozenset[str]
) -> None:
    errors = {
        field_id: f"Field '{field_id}' cannot be set in both 'fields' and 'update'."
        for field_id in fields.keys() & update.keys()
    }
    for field_id in (fields.keys() | update.keys()) - errors.keys():
        if field_id not in screen:
            errors[field_id] = screen_message(field_id)
    if errors:
        raise field_errors(errors)


def _verbs(values: Values, field_id: str, start: Any, operations: list[Any]) -> Callable[[], Any]:
    spec = values.catalog.fields[field_id]

    def run() -> Any:
        value = start
        for operation in operations:
            ((verb, raw),) = operation.items()
            value = values.apply(spec, value if value is not None else [], verb, raw)
        return value

    return run


def _collect(
    planned: dict[str, Any], errors: dict[str, str], field_id: str, compute: Callable[[], Any]
) -> None:
    try:
        planned[field_id] = compute()
    except FieldError as error:
        errors[field_id] = error.message


def changes(catalog: Catalog, current: dict[str, Any], planned: dict[str, Any]) -> list[ChangeItem]:
    """History items for applying ``planned`` over ``current``, in the catalog's order."""
    items: list[ChangeItem] = []
    for field_id, spec in catalog.fields.items():
        if field_id in planned and spec.kind != "datetime":
            items += history(spec, current.get(field_id), planned[field_id])
    return items
