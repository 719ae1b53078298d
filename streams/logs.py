"""Structured logs shared by every process: one JSON object per line on stderr.

Fields passed with ``extra={...}`` become keys of the object. Secrets never reach the
output: values of keys that name a secret are masked, ``sha256=<hex>`` signatures are
masked wherever they appear, the secret values given to ``configure_logging`` (of at
least ``MIN_SCRUBBED`` characters) are replaced in every line, and request bodies
(``body``/``payload`` keys) are shown only at DEBUG level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from pydantic import BaseModel, SecretStr

MASK = "**********"
MIN_SCRUBBED = 6  # shorter values would mangle ordinary words in every line
SENSITIVE_KEY = re.compile(r"secret|token|password|signature|api_key|apikey|authorization", re.I)
BODY_KEYS = frozenset({"body", "payload", "raw", "raw_body"})
SIGNATURE = re.compile(r"(sha(?:1|256|512)=)[0-9a-fA-F]{8,}")
STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; masks secrets, signatures and bodies."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        chosen = {secret for secret in secrets if len(secret) >= MIN_SCRUBBED}
        self._secrets = sorted(chosen, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_"):
                entry[key] = self._field(key, value, record.levelno)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(entry, default=_plain, ensure_ascii=False))

    def _field(self, key: str, value: object, level: int) -> object:
        if SENSITIVE_KEY.search(key) or isinstance(value, SecretStr):
            return MASK
        if key in BODY_KEYS and level > logging.DEBUG:
            return MASK
        return value

    def scrub(self, text: str) -> str:
        """Mask signatures and the known secret values anywhere in ``text``."""
        text = SIGNATURE.sub(rf"\g<1>{MASK}", text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
            encoded = json.dumps(secret, ensure_ascii=False)[1:-1]
            if encoded != secret:
                text = text.replace(encoded, MASK)
        return text


def _plain(value: object) -> object:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return str(value)


def secrets_of(settings: BaseModel) -> list[SecretStr]:
    """Every secret a settings object holds (its ``SecretStr`` fields), for the formatter
    to mask wherever one appears: a secret added to the settings is masked without a list
    to keep in step."""
    return [value for value in vars(settings).values() if isinstance(value, SecretStr)]


def configure_logging(
    level: str | int = "INFO",
    secrets: Iterable[SecretStr | str | None] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every logger's records to ``stream`` (stderr) as JSON lines; return the handler.

    Calling it again replaces the handler it installed before.
    """
    plain = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets]
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(s for s in plain if s))
    handler.set_name("jira-sync-json")
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == "jira-sync-json"]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
