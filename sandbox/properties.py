"""Issue properties: any JSON value up to 32,768 characters under a key of up to 255."""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import BAD_PAYLOAD, bad_request

VALUE_LIMIT = 32_768
KEY_LIMIT = 255


def check_property(key: str, value: Any) -> None:
    if not key:
        raise bad_request("The property key cannot be empty.")
    if len(key) > KEY_LIMIT:
        raise bad_request(f"The property key cannot be longer than {KEY_LIMIT} characters.")
    if len(json.dumps(value, separators=(",", ":"))) > VALUE_LIMIT:
        raise bad_request(f"The property value cannot be longer than {VALUE_LIMIT} characters.")


def missing(key: str) -> str:
    return f"The property with key '{key}' does not exist."


def entity_properties(raw: Any) -> dict[str, Any]:
    """A create or update body's ``properties: [{key, value}]`` (issues, comments)."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise bad_request(BAD_PAYLOAD)
    properties: dict[str, Any] = {}
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise bad_request("Property key must be a non-empty string.")
        check_property(entry["key"], entry.get("value"))
        properties[entry["key"]] = entry.get("value")
    return properties
