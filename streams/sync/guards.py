"""The worker's guards against hostile input, as pure functions: a retry record read or
refused, the failure a crashed pair step leaves on its pair, and Faust's web settings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from streams.jira.errors import MAX_RETRY_AFTER
from streams.state import PairFailure, PairState
from streams.sync.messages import Reexamine


def worker_web_settings(web_port: int) -> dict[str, Any]:
    """Faust's web server, when on, is a health probe: on loopback only, with the views
    that expose table data (``/table``), the cluster (``/router``), sensors and the service
    graph turned off (faust-streaming 0.15 serves tables and router by default)."""
    return {
        "web_enabled": web_port > 0,
        "web_port": web_port or 6066,
        "web_bind": "127.0.0.1",
        "web_tables_enabled": False,
        "web_router_enabled": False,
        "web_stats_enabled": False,
        "web_graph_enabled": False,
        "web_metrics_enabled": False,
    }


def crashed(pair: PairState, error: Exception, now: datetime) -> PairState:
    """``pair`` with a retryable failure naming ``error`` (attempts counted on)."""
    attempts = pair.failure.attempts + 1 if pair.failure is not None else 1
    reason = f"internal error: {type(error).__name__}: {error}"[:500]
    failure = PairFailure(reason=reason, retryable=True, attempts=attempts, at=now)
    return pair.model_copy(update={"failure": failure})


def parse_retry_record(value: bytes, now: datetime) -> tuple[Reexamine, float]:
    """A retry record's message and how long to hold it (at most ``MAX_RETRY_AFTER``: a
    record due far ahead, or with a malformed time, must not hold its partition for good);
    ``ValueError`` for anything that is not a retry record."""
    try:
        record = json.loads(value)
        due = datetime.fromisoformat(record["due"])
        wait = (due - now).total_seconds()
        message = Reexamine(reason=str(record["reason"]), attempt=int(record["attempt"]))
    except (ValueError, KeyError, TypeError, OverflowError, AttributeError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    if message.attempt < 0:
        raise ValueError(f"attempt {message.attempt} is negative")
    return message, min(MAX_RETRY_AFTER, max(0.0, wait))
