"""A person's edit overwritten by the sync's write, seen in the write's echo (pure)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from streams.jira.webhooks import Changelog
from streams.settings import ConflictPolicy
from streams.state import PairState
from streams.sync.events import fold
from streams.sync.facts import FieldsWritten
from streams.sync.fields import FieldMaps, NameMap
from streams.sync.messages import IssueChanged, SyncConfig, WriteFields
from streams.sync.model import decide
from streams.sync.overwrites import EchoChecked, changelog_values
from tests.unit.sync import pairs

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OURS = {1: "sync-1", 2: "sync-2"}
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, integration_accounts=OURS)


def written(policy: ConflictPolicy = ConflictPolicy.MANUAL) -> tuple[PairState, SyncConfig]:
    """A pair whose last step read ``Before`` on site 2 and wrote ``Ours`` there."""
    pair = pairs.synced(NOW).model_copy(update={"base": {"summary": "Before"}})
    fact = FieldsWritten(2, {"summary": "Ours"}, before={"summary": "Before"})
    state = fold(pair, [fact], NOW)
    assert state is not None
    assert state.believed == {"2": {"summary": ["Before", "Ours"]}}
    return state, dataclasses.replace(CONFIG, policy=policy)


def echo(was: str, actor: str = "sync-2") -> IssueChanged:
    return IssueChanged(
        site=2,
        kind="updated",
        issue_id="20001",
        issue_key="PROJ2-1",
        values={"summary": "Ours"},
        updated=NOW,
        webhook_id="w-echo",
        actor=actor,
        changelog={"summary": [was, "Ours"]},
    )


def test_an_echo_from_the_value_read_confirms_the_write_and_costs_no_read() -> None:
    pair, config = written()
    decision = decide(echo("Before"), pair, config, NOW)
    assert decision.actions == []
    assert decision.note == "echo"
    [checked] = [fact for fact in decision.events if isinstance(fact, EchoChecked)]
    assert (checked.fields, checked.lost) == (("summary",), {})
    assert decision.state is not None
    assert decision.state.believed == {}


def test_an_edit_made_between_the_read_and_the_write_is_put_back_with_the_old_base() -> None:
    pair, config = written()
    decision = decide(echo("Theirs"), pair, config, NOW)
    assert decision.actions == [WriteFields(2, "PROJ2-1", {"summary": "Theirs"}, restore=True)]
    assert decision.note == "edit overwritten: put back"
    state = decision.state
    assert state is not None
    assert state.base["summary"] == "Before"  # both sides changed since: the merge decides
    assert [w.code for w in state.warnings] == ["edit-overwritten"]
    restored = fold(state, [FieldsWritten(2, {"summary": "Theirs"}, agreed=False)], NOW)
    assert restored is not None
    assert restored.base["summary"] == "Before"  # a restore is not an agreement


def test_under_the_other_sites_policy_the_write_stands_with_a_warning() -> None:
    pair, config = written(ConflictPolicy.JIRA1)
    decision = decide(echo("Theirs"), pair, config, NOW)
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.base["summary"] == "Ours"
    [warning] = decision.state.warnings
    assert "the other site wins" in warning.message
    latest = decide(echo("Theirs"), *written(ConflictPolicy.LATEST), NOW)
    assert [a.values for a in latest.actions if isinstance(a, WriteFields)] == [
        {"summary": "Theirs"}
    ]


def test_a_persons_webhook_or_an_older_echo_checks_nothing() -> None:
    pair, config = written()
    human = decide(echo("Theirs", actor="someone"), pair, config, NOW)
    assert not [f for f in human.events if isinstance(f, EchoChecked)]
    older = dataclasses.replace(echo("X"), changelog={"summary": ["X", "An older write"]})
    decision = decide(older, pair, config, NOW)
    assert not [f for f in decision.events if isinstance(f, EchoChecked)]


def test_changelog_items_read_back_as_the_fields_canonical_values() -> None:
    maps = FieldMaps(priorities=NameMap({"Highest": "Blocker"}))
    changelog = Changelog.model_validate(
        {
            "items": [
                {"field": "summary", "fieldId": "summary", "fromString": "a", "toString": "b"},
                {"field": "labels", "fieldId": "labels", "fromString": "y x", "toString": ""},
                {"field": "priority", "fieldId": "priority", "fromString": "Blocker"},
                {"field": "duedate", "fieldId": "duedate", "from": "2026-01-02", "to": None},
                {"field": "assignee", "fieldId": "assignee", "from": None, "to": "acc-1"},
                {"field": "Attachment", "fieldId": "attachment", "to": "10001"},
            ]
        }
    )
    assert changelog_values(2, changelog, maps) == {
        "summary": ["a", "b"],
        "labels": [["x", "y"], []],
        "priority": ["Highest", None],
        "duedate": ["2026-01-02", None],
        "assignee": [None, "site2:acc-1"],  # not in the user map: marked with its site
    }
