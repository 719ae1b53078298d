"""Checks HTTP exchanges against Atlassian's OpenAPI description of REST v3.

``OpenApiContract(spec).check_request(...)`` / ``check_response(...)`` return a list of
violations (empty when the exchange conforms). Used by the emulator's optional contract
middleware and by the client's tests, so neither side can drift from the real API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

# Answers JIRA gives on any endpoint though the description lists them on few.
GENERIC_STATUSES = frozenset({401, 403, 404, 410, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]


class OpenApiContract:
    def __init__(self, spec_path: Path) -> None:
        document = json.loads(spec_path.read_text())
        _correct_errata(document)
        self._components = _nullable_to_jsonschema(document["components"])
        self._routes = sorted(
            (
                (_template_regex(template), template, item)
                for template, item in document["paths"].items()
            ),
            key=lambda route: route[1].count("{"),
        )

    def operation(self, method: str, path: str) -> Operation | None:
        for regex, template, item in self._routes:
            if regex.match(path) and method.lower() in item:
                return Operation(template, method.upper(), item[method.lower()])
        return None

    def check_request(self, method: str, path: str, body: Any) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path}: no such operation in the REST v3 description"]
        if body is None:
            return []
        content = operation.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            return [f"{operation.method} {operation.template}: takes no JSON body"]
        return self._validate(schema, body, f"request {operation.method} {operation.template}")

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path}: no such operation in the REST v3 description"]
        where = f"response {status} to {operation.method} {operation.template}"
        responses = operation.spec.get("responses", {})
        documented = responses.get(str(status))
        if documented is None:
            if status in GENERIC_STATUSES or status >= 500:
                return self._error_body(body, where)
            return [f"{where}: status {status} is not documented"]
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None or body is None:
            return [] if body is None or status >= 400 else [f"{where}: body not documented"]
        return self._validate(schema, body, where)

    def _error_body(self, body: Any, where: str) -> list[str]:
        if body is None:
            return []
        return self._validate({"$ref": "#/components/schemas/ErrorCollection"}, body, where)

    def _validate(self, schema: dict[str, Any], body: Any, where: str) -> list[str]:
        validator = self._validator(json.dumps(schema, sort_keys=True))
        return [
            f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message}"
            for error in validator.iter_errors(body)
        ]

    @cache  # noqa: B019 - one contract object lives for the whole test session
    def _validator(self, schema_json: str) -> Draft4Validator:
        schema = _nullable_to_jsonschema(json.loads(schema_json))
        return Draft4Validator({"allOf": [schema], "components": self._components})


def _correct_errata(document: dict[str, Any]) -> None:
    """Mistakes of the description that no real exchange can satisfy: the bulk move payload
    requires ``targetToMultipleSourceMapping`` and each of its mappings ``issueIdOrKeys``,
    properties neither defines (both forbid others by ``additionalProperties: false``); the
    documented example, like every client, sends ``targetToSourcesMapping`` and
    ``issueIdsOrKeys``."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {"targetToMultipleSourceMapping": "targetToSourcesMapping"}
    renames["issueIdOrKeys"] = "issueIdsOrKeys"
    for name in ("IssueBulkMovePayload", "targetToSourcesMapping"):
        schema = schemas.get(name, {})
        if "required" in schema:
            schema["required"] = [renames.get(each, each) for each in schema["required"]]


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


def _nullable_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` expressed in JSON Schema terms."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable_to_jsonschema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        else:
            return {"anyOf": [converted, {"type": "null"}]}
    return converted
