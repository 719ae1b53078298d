"""Sync-state records off the topic, into items. A bad record is logged and skipped.

A record that is not a ``PairState`` cannot be fixed by retrying it, and stopping on it
would stop every pair; it is logged with its coordinates (its bytes stay on the topic).
A tombstone (no value) carries no version to order it by, so it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from projections.fold import project
from projections.model import PairItem
from streams.state import PairState

log = logging.getLogger(__name__)


class Record(Protocol):
    """The part of aiokafka's ``ConsumerRecord`` the projections read."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class Decoded:
    items: list[PairItem]
    rejected: int  # records that are not a PairState
    tombstones: int


def decode(records: Iterable[Record]) -> Decoded:
    items: list[PairItem] = []
    rejected = tombstones = 0
    for record in records:
        if record.value is None:
            tombstones += 1
            continue
        try:
            items.append(project(PairState.from_bytes(record.value)))
        except ValidationError as error:
            rejected += 1
            log.error(
                "sync-state record is not a PairState; skipped",
                extra=_where(record) | {"error": error.errors(include_input=False)[:3]},
            )
    return Decoded(items, rejected, tombstones)


def _where(record: Record) -> dict[str, object]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}
