"""What-if replay: the journal's steps decided again with another mapping file show what
would have been written differently, from the raw fields JIRA answered, touching nothing."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jira_sync.cli import main
from streams.state import IssueRef, PairState, PairStatus
from streams.sync import journal, whatif
from streams.sync.events import IssueObserved
from streams.sync.fields import FieldMaps, NameMap
from streams.sync.messages import Reexamine, SyncConfig

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAIR_ID = "1:10001"
PAIR = PairState(
    pair_id=PAIR_ID,
    version=4,
    origin=1,
    site1=IssueRef(site=1, id="10001", key="PROJ1-1"),
    site2=IssueRef(site=2, id="20001", key="PROJ2-1"),
    status=PairStatus.SYNCED,
    base={"summary": "Printer", "status": "To Do"},
    updated_at=AT,
)
OLD = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
# Site 2 calls site 1's "In Progress" "Doing".
NEW = dataclasses.replace(OLD, maps=FieldMaps(statuses=NameMap({"In Progress": "Doing"})))


def observed(site: int, key: str, status: str, summary: str = "Printer") -> IssueObserved:
    fields = {"summary": summary, "status": {"name": status, "id": "3"}}
    values = {"summary": summary, "status": status}
    return IssueObserved(1 if site == 1 else 2, str(10000 * site + 1), key, values, fields, AT)


def journal_of(*steps: tuple[datetime, list[IssueObserved]]) -> list[dict[str, Any]]:
    """The pair made durable, then steps that read both sides (and wrote nothing here)."""
    records = [json.loads(journal.intent_record(PAIR_ID, PAIR))]
    for at, facts in steps:
        raw = journal.step_record(PAIR_ID, at, Reexamine("sweep"), PAIR, facts, PAIR, None)
        records.append(json.loads(raw))
    return records


MOVED_ON_1 = [observed(1, "PROJ1-1", "In Progress"), observed(2, "PROJ2-1", "To Do")]


def test_a_renamed_status_is_reported_as_the_transition_site_2_would_get() -> None:
    report = whatif.what_if(journal_of((AT, MOVED_ON_1)), OLD, NEW)
    [difference] = report.pairs[PAIR_ID]
    assert difference.before == ["site 2 PROJ2-1: transition to In Progress"]
    assert difference.after == ["site 2 PROJ2-1: transition to Doing"]
    assert (report.steps, report.incomplete) == (1, 0)


def test_site_2s_raw_status_is_mapped_again_with_the_new_names() -> None:
    """Site 2 moved to "Doing": today that name goes to site 1 as it is; with the new map
    it is site 1's "In Progress"."""
    facts = [observed(1, "PROJ1-1", "To Do"), observed(2, "PROJ2-1", "Doing")]
    [difference] = whatif.what_if(journal_of((AT, facts)), OLD, NEW).pairs[PAIR_ID]
    assert difference.before == ["site 1 PROJ1-1: transition to Doing"]
    assert difference.after == ["site 1 PROJ1-1: transition to In Progress"]


def test_the_same_mapping_writes_nothing_differently() -> None:
    report = whatif.what_if(journal_of((AT, MOVED_ON_1)), OLD, OLD)
    assert report.pairs == {}
    assert report.steps == 1


def test_field_writes_are_compared_as_rendered() -> None:
    facts = [observed(1, "PROJ1-1", "To Do", "Printer on fire"), observed(2, "PROJ2-1", "To Do")]
    report = whatif.what_if(journal_of((AT, facts)), OLD, NEW)
    assert report.pairs == {}  # the summary is written alike
    assert whatif.sent(whatif.decided(Reexamine("x"), PAIR, OLD, AT, whatif.observations(
        facts, OLD.maps)), OLD.maps) == ['site 2 PROJ2-1: summary = "Printer on fire"']  # fmt: skip


def test_only_the_steps_since_the_given_time_are_decided_again() -> None:
    earlier = AT - timedelta(days=1)
    report = whatif.what_if(journal_of((earlier, MOVED_ON_1), (AT, MOVED_ON_1)), OLD, NEW, AT)
    assert [d.at for d in report.pairs[PAIR_ID]] == [AT]
    assert report.steps == 1


def test_a_step_the_fold_cannot_follow_is_incomplete_not_decided() -> None:
    records = journal_of((AT, MOVED_ON_1))
    records[1]["after"] = "0" * 32  # the worker ended elsewhere: diverged
    report = whatif.what_if(records, OLD, NEW)
    assert (report.steps, report.incomplete, report.pairs) == (0, 1, {})
    assert PAIR_ID in report.stopped
    trimmed = journal_of((AT, MOVED_ON_1))  # raw fields left out to fit Kafka: not re-mapped
    trimmed[1]["trimmed"] = {"bytes": 2_000_000, "dropped": "fields"}
    assert whatif.what_if(trimmed, OLD, NEW).incomplete == 1


def test_a_step_whose_decision_raises_is_incomplete_and_the_report_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = whatif.decided

    def fragile(*args: Any, **kwargs: Any) -> Any:
        if args[2] is NEW:
            raise ValueError("pair 1:10001 does not know its origin issue")
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif, "decided", fragile)
    report = whatif.what_if(journal_of((AT, MOVED_ON_1), (AT, MOVED_ON_1)), OLD, NEW)
    assert report.incomplete == 2
    assert "ValueError" in report.stopped[PAIR_ID]
    assert report.pairs == {}


def test_the_cli_prints_the_differences_from_a_journal_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in journal_of((AT, MOVED_ON_1))))
    mapping = tmp_path / "new.yaml"
    mapping.write_text('statuses: {"In Progress": "Doing"}\n')
    args = ["replay", "--what-if", "--mapping", str(mapping), "--journal", str(path)]
    result = CliRunner().invoke(main, [*args, "--env-file", str(tmp_path / "none.env")])
    assert result.exit_code == 0, result.output
    assert "pair 1:10001: 1 step(s) would write differently" in result.output
    assert "- site 2 PROJ2-1: transition to In Progress" in result.output
    assert "+ site 2 PROJ2-1: transition to Doing" in result.output
    assert "1 step(s) decided again, 1 would write differently" in result.output


def test_the_cli_asks_for_the_mapping_to_try(tmp_path: Path) -> None:
    args = ["replay", "--what-if", "--env-file", str(tmp_path / "none.env")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "--mapping" in result.output
