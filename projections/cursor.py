"""Opaque page cursors: base64url of the position (the last key of the page), validated.

A cursor names the state it pages through; a cursor of another state, or one that was
altered, is an ``InvalidCursor`` (the HTTP layer answers 400).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from streams.state import PairStatus

MAX_CURSOR_CHARS = 2048
FIELDS = frozenset({"state", "pair_id", "updated_at"})


class InvalidCursor(ValueError):
    """A cursor this service did not issue, or issued for another query."""


@dataclass(frozen=True)
class Position:
    """The index key of the last item of a page: listing resumes after it."""

    state: PairStatus
    pair_id: str
    updated_at: str

    def as_key(self) -> dict[str, str]:
        return {"state": self.state.value, "pair_id": self.pair_id, "updated_at": self.updated_at}


def encode_cursor(position: Position) -> str:
    raw = json.dumps(position.as_key(), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, state: PairStatus) -> Position:
    """The position in ``cursor``; ``InvalidCursor`` unless it is one of ours for ``state``."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor("cursor is empty or too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor("cursor is not one this service issued") from error
    if not isinstance(data, dict) or set(data) != FIELDS:
        raise InvalidCursor("cursor is not one this service issued")
    if not all(isinstance(value, str) and value for value in data.values()):
        raise InvalidCursor("cursor is not one this service issued")
    if data["state"] != state.value:
        raise InvalidCursor(f"cursor belongs to state {data['state']!r}, not {state.value!r}")
    return Position(state, data["pair_id"], data["updated_at"])
