"""Operator commands on the command topic: plain JSON, named for what they ask.

The seed's bodies are accepted unchanged (for example from Kafka's console producer)::

    {"issue_key": "PROJ1-123", "source_instance": 1}
    {"sync_id": "PROJ1-123#PROJ2-456", "resolve_conflict": true,
     "resolution_direction": "jira_1_to_2"}
    {"full_resync": true}

The kind is read from the body's shape (or its ``command`` field). A body without
``command_id``/``issued_at`` gets the defaults its reader passes in: the management API
passes a fresh id and the current time; a consumer can pass an id derived from the
record's position so that a replay yields the same ids. Published commands carry all
fields, and every published body is itself a valid seed-style body.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from streams.records import SiteNumber

ISSUE_KEY = r"[A-Z][A-Z0-9_]{0,9}-[1-9][0-9]{0,17}"
ISSUE_KEY_PATTERN = re.compile(rf"{ISSUE_KEY}")
SYNC_ID_PATTERN = re.compile(rf"{ISSUE_KEY}#{ISSUE_KEY}")
SHAPES = (
    '{"issue_key": "PROJ1-123", "source_instance": 1}, '
    '{"sync_id": "PROJ1-123#PROJ2-456", "resolve_conflict": true, '
    '"resolution_direction": "jira_1_to_2"} or {"full_resync": true}'
)


class CommandError(ValueError):
    """The body is not a command; ``reason`` names what is wrong (answer 400)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(min_length=1, max_length=200)
    issued_at: AwareDatetime

    @property
    def key(self) -> str:
        """The Kafka key: the sync id or issue key the command is about."""
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


def _exact_site(value: object) -> object:
    """``1`` or ``2`` as JSON numbers; pydantic alone would also take ``true`` or ``1.0``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError("must be 1 or 2 (a JSON number)")
    return value


class ManualSync(_Command):
    """Sync one issue now, from the site it lives on."""

    command: Literal["manual_sync"] = "manual_sync"
    issue_key: str
    source_instance: SiteNumber

    @field_validator("source_instance", mode="before")
    @classmethod
    def _site(cls, value: object) -> object:
        return _exact_site(value)

    @field_validator("issue_key")
    @classmethod
    def _issue_key(cls, value: str) -> str:
        if not ISSUE_KEY_PATTERN.fullmatch(value):
            raise ValueError("must be an issue key such as PROJ1-123")
        return value

    @property
    def key(self) -> str:
        return self.issue_key


class _PairCommand(_Command):
    """A command about one pair, named by its sync id (``KEY1#KEY2``)."""

    sync_id: str

    @field_validator("sync_id")
    @classmethod
    def _sync_id(cls, value: str) -> str:
        if not SYNC_ID_PATTERN.fullmatch(value):
            raise ValueError("must be two issue keys joined by '#', e.g. PROJ1-123#PROJ2-456")
        return value

    @property
    def key(self) -> str:
        return self.sync_id


class ResolveConflict(_PairCommand):
    """Settle the conflicted fields of a pair by copying one side onto the other."""

    command: Literal["resolve_conflict"] = "resolve_conflict"
    resolve_conflict: Literal[True] = True
    resolution_direction: Literal["jira_1_to_2", "jira_2_to_1"]


class FullResync(_Command):
    """Enumerate both projects (or one site's) and let the model converge."""

    command: Literal["full_resync"] = "full_resync"
    full_resync: Literal[True] = True
    source_instance: SiteNumber | None = None
    connection: str | None = None  # one connection's projects (``streams.connections``)

    @field_validator("source_instance", mode="before")
    @classmethod
    def _site(cls, value: object) -> object:
        return _exact_site(value)

    @property
    def key(self) -> str:
        return "full-resync"


class LinkPair(_PairCommand):
    """Link two issues that already exist (``jira-sync match --apply``): one pair, merged
    with no agreed value, so every field that differs is a conflict, never an overwrite."""

    command: Literal["link_pair"] = "link_pair"


class UnlinkPair(_PairCommand):
    """End a pair (``jira-sync unlink``): both issues lose the sync's marker and remote
    links and stay as they are; later changes of either are not synced."""

    command: Literal["unlink_pair"] = "unlink_pair"


Command = ManualSync | ResolveConflict | FullResync | LinkPair | UnlinkPair
KINDS: dict[str, type[Command]] = {
    "manual_sync": ManualSync,
    "resolve_conflict": ResolveConflict,
    "full_resync": FullResync,
    "link_pair": LinkPair,
    "unlink_pair": UnlinkPair,
}


def parse_command(body: bytes | str | dict[str, Any], command_id: str, now: datetime) -> Command:
    """Read one command; ``command_id`` and ``now`` fill what the body does not carry."""
    document = body if isinstance(body, dict) else _json(body)
    if not isinstance(document, dict):
        raise CommandError(f"a command is a JSON object: {SHAPES}")
    model = KINDS[_kind(document)]
    values = {"command_id": command_id, "issued_at": now, **document}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise CommandError(_first_problem(error)) from None


def _kind(document: dict[str, Any]) -> str:
    named = document.get("command")
    if isinstance(named, str) and named in KINDS:
        return named
    if named is not None:
        raise CommandError(f"unknown command {named!r}; known: {', '.join(KINDS)}")
    if "resolve_conflict" in document or "sync_id" in document:
        return "resolve_conflict"
    if "full_resync" in document:
        return "full_resync"
    if "issue_key" in document:
        return "manual_sync"
    raise CommandError(f"not a command; expected one of {SHAPES}")


def _json(body: bytes | str) -> object:
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise CommandError(f"body is not JSON: {error}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _first_problem(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"]) or "body"
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"
