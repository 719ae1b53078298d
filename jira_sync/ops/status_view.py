"""``jira-sync status`` in the terminal: the status endpoint's answers as tables. Pure.

Input: the JSON of ``GET /status`` and one page each of ``GET /syncs?state=conflicted``
and ``?state=failed`` (``projections/routes.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

STATES = ("pending", "synced", "conflicted", "failed", "orphaned", "unreachable", "skipped")
REASON_CHARS = 100


@dataclass(frozen=True)
class Snapshot:
    url: str
    status: Mapping[str, Any]
    conflicted: Mapping[str, Any]  # a /syncs page
    failed: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        """``--json``: the four parts under their names."""
        return asdict(self)


def render(snapshot: Snapshot) -> str:
    parts = [
        _heading(snapshot),
        table(["STATE", "PAIRS"], _counts(snapshot.status), right=(1,)),
        _conflicts(snapshot.conflicted),
        _failures(snapshot.failed),
    ]
    return "\n\n".join(parts)


def _heading(snapshot: Snapshot) -> str:
    status = snapshot.status
    consumer = status.get("consumer") or {}
    lag = sum(int(entry.get("total", 0)) for entry in (consumer.get("lag") or {}).values())
    running = {True: "running", False: "STOPPED", None: "not consuming (--status-only)"}
    lines = [
        f"{snapshot.url}: {status.get('status', '?')} (table {status.get('table', '?')})",
        f"consumer {consumer.get('group', '?')}: {running.get(consumer.get('running'), '?')}, "
        f"lag {lag} record(s)",
    ]
    if consumer.get("lag_error"):
        lines.append(f"lag unknown: {consumer['lag_error']}")
    last = status.get("last_event") or {}
    lines.append(f"last sync: site 1 {last.get('site1') or '-'}, site 2 {last.get('site2') or '-'}")
    return "\n".join(lines)


def _counts(status: Mapping[str, Any]) -> list[list[str]]:
    counts = status.get("counts") or {}
    rows = [[state, str(counts.get(state, 0))] for state in STATES]
    return [*rows, ["total", str(status.get("total", sum(counts.values())))]]


def _conflicts(page: Mapping[str, Any]) -> str:
    items = page.get("items") or []
    rows = [[item["sync_id"], _fields(item), _detected(item)] for item in items]
    body = table(["SYNC ID", "FIELDS", "DETECTED"], rows) if rows else "none"
    hint = "\nsettle one: jira-sync resolve SYNC_ID --direction jira_1_to_2|jira_2_to_1"
    return f"CONFLICTS{_more(page)}\n{body}" + (hint if rows else "")


def _fields(item: Mapping[str, Any]) -> str:
    return ", ".join(str(c.get("field")) for c in item.get("conflicts") or []) or "-"


def _detected(item: Mapping[str, Any]) -> str:
    times = [str(c.get("detected_at")) for c in item.get("conflicts") or [] if c.get("detected_at")]
    return min(times) if times else str(item.get("updated_at", "-"))


def _failures(page: Mapping[str, Any]) -> str:
    rows = []
    for item in page.get("items") or []:
        error = item.get("last_error") or {}
        reason = _clip(str(error.get("reason") or "-"))
        attempts, at = str(error.get("attempts", "-")), str(error.get("at", "-"))
        rows.append([item["sync_id"], attempts, at, reason])
    body = table(["SYNC ID", "ATTEMPTS", "AT", "REASON"], rows) if rows else "none"
    hint = (
        "\nafter fixing the cause: jira-sync manual-sync ISSUE_KEY --from 1|2, "
        "or wait for the periodic retry"
    )
    return f"FAILURES{_more(page)}\n{body}" + (hint if rows else "")


def _more(page: Mapping[str, Any]) -> str:
    shown = len(page.get("items") or [])
    return f" (newest {shown}; more: --limit)" if page.get("next_cursor") else f" ({shown})"


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= REASON_CHARS else flat[: REASON_CHARS - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; the last column is left ragged."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(padded).rstrip()

    return "\n".join(line(row) for row in [header, *rows])
