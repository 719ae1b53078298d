"""What the projections store: one ``PairItem`` per pair and one ``Totals`` for the table.

Both are frozen values. Times are UTC and serialise to fixed-width text
(``2026-01-02T03:04:05.000000Z``), so that they sort as strings in the DynamoDB index.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, PlainSerializer

from streams.state import PairStatus

STATES: tuple[PairStatus, ...] = tuple(PairStatus)
# The connection of pairs made before connections: a deployment had one, the single pair's.
DEFAULT_CONNECTION = "default"


def to_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


UtcTime = Annotated[
    datetime,
    AfterValidator(to_utc),
    PlainSerializer(stamp, return_type=str, when_used="json"),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IssueView(_Frozen):
    id: str
    key: str


class ConflictView(_Frozen):
    """One conflicted field: the value both sides last agreed on and each side's value."""

    field: str
    base: JsonValue = None
    site1: JsonValue = None
    site2: JsonValue = None
    detected_at: UtcTime


class ErrorView(_Frozen):
    reason: str
    retryable: bool
    attempts: int
    at: UtcTime
    next_retry_at: UtcTime | None = None


class WarningView(_Frozen):
    code: str
    message: str
    field: str | None = None
    at: UtcTime


class PairItem(_Frozen):
    """The projection of one pair: a pure function of its latest ``PairState``."""

    pair_id: str
    sync_id: str
    version: int = Field(ge=1)
    state: PairStatus
    origin: int
    connection: str = DEFAULT_CONNECTION  # its project pair (``streams.connections``)
    site1: IssueView | None = None
    site2: IssueView | None = None
    conflicts: tuple[ConflictView, ...] = ()
    last_synced_at: dict[str, UtcTime] = Field(default_factory=dict)  # "site1" / "site2"
    last_error: ErrorView | None = None
    warnings: tuple[WarningView, ...] = ()
    warnings_total: int = 0
    counters: dict[str, int] = Field(default_factory=dict)
    updated_at: UtcTime

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Head(_Frozen):
    """What a write needs to know about the stored item it may replace."""

    version: int
    state: PairStatus
    connection: str = DEFAULT_CONNECTION


def _zero_counts() -> dict[PairStatus, int]:
    return dict.fromkeys(STATES, 0)


class Totals(_Frozen):
    """Table-wide figures, kept up to date with every write (no scans).

    ``version_sum`` is the sum of every stored item's version: it grows with every applied
    write, so it serves as the optimistic-lock token of the totals, and it depends only on
    the items, so a replay rebuilds the same totals. The last sync times are maxima over
    every applied version; as the engine only moves a pair's sync times forward, they are
    the maxima over the stored items too, and a replay rebuilds them as well.
    """

    counts: dict[PairStatus, int] = Field(default_factory=_zero_counts)
    # The same counts per connection (only states some pair is in).
    by_connection: dict[str, dict[PairStatus, int]] = Field(default_factory=dict)
    last_synced_at: dict[str, UtcTime] = Field(default_factory=dict)  # "site1" / "site2"
    last_updated_at: UtcTime | None = None
    version_sum: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
