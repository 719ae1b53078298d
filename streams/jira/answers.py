"""Reading JIRA's answers: typed, or ``UnexpectedAnswer`` naming what did not fit."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from streams.jira.errors import UnexpectedAnswer

API = "/rest/api/3"
Model = TypeVar("Model", bound=BaseModel)


def unexpected(method: str, path: str, answer: Any, why: str) -> UnexpectedAnswer:
    shown = answer if isinstance(answer, str) else type(answer).__name__
    return UnexpectedAnswer(method, path, 200, [f"unexpected answer ({why}): {shown!s:.200}"])


def valid(model: type[Model], answer: Any, method: str, path: str) -> Model:
    """``answer`` as ``model``, or ``UnexpectedAnswer`` when it is not one."""
    try:
        return model.model_validate(answer)
    except ValidationError as error:
        raise unexpected(method, path, answer, f"not a {model.__name__}: {error}") from None


def obj(answer: Any, method: str, path: str) -> dict[str, Any]:
    """``answer`` when it is a JSON object, else ``UnexpectedAnswer``."""
    if not isinstance(answer, dict):
        raise unexpected(method, path, answer, "not a JSON object")
    return answer


def items(answer: Any, method: str, path: str, key: str | None = None) -> list[Any]:
    """The list ``answer`` holds (under ``key`` when given), else ``UnexpectedAnswer``."""
    found = obj(answer, method, path).get(key, []) if key is not None else answer
    if not isinstance(found, list):
        raise unexpected(method, path, answer, f"no list{f' of {key}' if key else ''}")
    return found


def issue_path(key: str) -> str:
    return f"{API}/issue/{quote(key, safe='')}"


def objects(answer: Any, method: str, path: str) -> list[dict[str, Any]]:
    return [obj(item, method, path) for item in items(answer, method, path)]


def count(value: Any, method: str, path: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise unexpected(method, path, value, "total is not a number")
    return value
