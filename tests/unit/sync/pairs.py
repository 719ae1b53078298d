"""The pairs the unit tests start from: one whose counterpart is still to be made, and
one synced (issue ids and keys as each test names them)."""

from __future__ import annotations

from datetime import datetime

from streams.state import IssueRef, PairState, PairStatus


def pending(at: datetime) -> PairState:
    """PROJ1-1 (10001) on site 1, its counterpart not made yet."""
    site1 = IssueRef(site=1, id="10001", key="PROJ1-1")
    return PairState(
        pair_id="1:10001",
        version=3,
        origin=1,
        site1=site1,
        status=PairStatus.PENDING,
        updated_at=at,
    )


def synced(
    at: datetime,
    one: tuple[str, str] = ("10001", "PROJ1-1"),
    two: tuple[str, str] = ("20001", "PROJ2-1"),
    version: int = 3,
) -> PairState:
    """Issues ``one`` on site 1 (the origin) and ``two`` on site 2 (id, key), in sync."""
    return PairState(
        pair_id=f"1:{one[0]}",
        version=version,
        origin=1,
        site1=IssueRef(site=1, id=one[0], key=one[1]),
        site2=IssueRef(site=2, id=two[0], key=two[1]),
        status=PairStatus.SYNCED,
        updated_at=at,
    )
