"""The operator's YAML (or TOML, when the name ends in ``.toml``) files read as a model:
every problem named with the file and where in it (the mapping file, the connections file)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_file(path: Path, model: type[M], what: str, error: type[ValueError]) -> M:
    """``path`` as ``model``; ``error`` (its message starts "``what`` ``path``:") when the
    file cannot be read, parsed or validated."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as failure:
        raise error(f"{what} {path}: {failure.strerror or failure}") from None
    toml = path.suffix.lower() == ".toml"
    try:
        raw: Any = tomllib.loads(text) if toml else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as failure:
        kind = "TOML" if toml else "YAML"
        raise error(f"{what} {path}: not valid {kind}: {failure}") from None
    try:
        return model.model_validate(raw or {})
    except ValidationError as failure:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or '(top)'}: {item['msg']}"
            for item in failure.errors()
        )
        raise error(f"{what} {path}: {problems}") from None
