"""404 is "not found or not allowed", and security levels stay home: the decision model,
the canonical form of a level, and the retry of an unreachable pair."""

from __future__ import annotations

import dataclasses

from jira_sync.run.worker_cmd import sync_config
from streams.settings import DeletionPolicy, Settings
from streams.state import PairStatus
from streams.sync.engine import StepResult, _retried_if_unreachable
from streams.sync.fields import FieldMaps, NameMap, canonical, render
from streams.sync.mapping import MappingFile
from streams.sync.messages import (
    CommentChanged,
    CopyComments,
    CreateCounterpart,
    Fetch,
    Reexamine,
    Resolve,
    WriteFields,
)
from streams.sync.model import decide
from streams.sync.retrying import needs_another_look
from tests.unit.sync.test_model import CONFIG, T0, change, fresh, linked_pair, seen

DELETING = dataclasses.replace(CONFIG, deletion=DeletionPolicy.DELETE)
INTERNAL = "site1:Internal staff"  # canonical form of an unmapped site 1 level
MAPPED = dataclasses.replace(
    CONFIG,
    maps=FieldMaps(security_levels=NameMap({"Partner visible": "Partners"})),
    fields=(*CONFIG.fields, "security"),
)


def codes(state: object) -> list[str]:
    return [w.code for w in getattr(state, "warnings", [])]


def test_a_404_without_a_deletion_event_never_deletes_the_other_side() -> None:
    edited = change(2, minutes=2, summary="partner edit")
    decision = decide(edited, linked_pair(), DELETING, T0, fresh(edited, exists=False))
    assert decision.actions == []  # no DeleteIssue, no Unlink, no write
    assert decision.state is not None
    assert decision.state.status is PairStatus.UNREACHABLE
    [warning] = decision.state.warnings
    assert warning.code == "unreachable"
    assert "PROJ1-1 on site 1 answers 404" in warning.message
    assert needs_another_look(decision.state)
    # readable again: the merge resumes, the partner's edit goes over, comments catch up
    back = decide(Reexamine("r"), decision.state, DELETING, T0, fresh(edited))
    assert back.state is not None
    assert back.state.status is PairStatus.SYNCED
    assert codes(back.state) == []
    assert back.actions == [
        WriteFields(1, "PROJ1-1", {"summary": "partner edit"}),
        CopyComments(1, "PROJ1-1", 2, "PROJ2-1"),
        CopyComments(2, "PROJ2-1", 1, "PROJ1-1"),
    ]


def test_a_deletion_event_for_an_issue_that_still_reads_deletes_nothing() -> None:
    deleted = change(1, minutes=2, kind="deleted")
    decision = decide(deleted, linked_pair(), DELETING, T0, {1: seen(1)})
    assert decision.actions == []
    assert decision.note == "deletion event, but the issue on site 1 exists"


def test_an_unreachable_pair_is_retried_except_by_the_sweep() -> None:
    edited = change(2, minutes=2, summary="x")
    state = decide(edited, linked_pair(), CONFIG, T0, fresh(edited, exists=False)).state
    retried = _retried_if_unreachable(edited, StepResult(state, "unreachable"))
    assert retried.retry is not None
    assert "404" in retried.retry.reason
    swept = _retried_if_unreachable(Reexamine("scheduled retry"), StepResult(state, "u"))
    assert swept.retry is None
    synced = _retried_if_unreachable(edited, StepResult(linked_pair(), "in sync"))
    assert synced.retry is None


def test_an_issue_with_a_security_level_is_never_copied_by_default() -> None:
    decision = decide(change(1, security=INTERNAL), None, CONFIG, T0)
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.status is PairStatus.SKIPPED
    [warning] = decision.state.warnings
    assert warning.code == "security-level"
    assert "PROJ1-1 on site 1 has security level 'Internal staff'" in warning.message
    # the level removed later: the counterpart is made then
    cleared = decide(change(1, minutes=2, security=None), decision.state, CONFIG, T0)
    assert isinstance(cleared.actions[0], CreateCounterpart)
    assert cleared.state is not None
    assert (cleared.state.status, codes(cleared.state)) == (PairStatus.PENDING, [])


def test_a_mapped_level_is_copied_and_an_unmapped_one_is_not() -> None:
    mapped = decide(change(1, security="Partner visible"), None, MAPPED, T0)
    create = mapped.actions[0]
    assert isinstance(create, CreateCounterpart)
    assert create.values["security"] == "Partner visible"
    other = decide(change(1, security=INTERNAL), None, MAPPED, T0)
    assert other.state is not None
    assert other.state.status is PairStatus.SKIPPED
    assert other.actions == []


def test_a_paired_issue_gaining_a_level_stops_syncing() -> None:
    secret = change(1, minutes=2, summary="now internal", security=INTERNAL)
    decision = decide(secret, linked_pair(), CONFIG, T0)
    assert decision.actions == []  # not even a read
    assert decision.state is not None
    assert decision.state.status is PairStatus.SKIPPED
    assert "security level 'Internal staff'" in decision.state.warnings[-1].message
    # an edit on the other side: both read, the level seen, nothing written either way
    partner = change(2, minutes=3, summary="partner")
    observed = {1: seen(1, summary="now internal", security=INTERNAL), 2: seen(2, summary="p")}
    asked = decide(partner, decision.state, CONFIG, T0)
    assert asked.actions == [Fetch(1, "PROJ1-1"), Fetch(2, "PROJ2-1")]
    still = decide(partner, decision.state, CONFIG, T0, observed)
    assert still.actions == []
    assert still.state is not None
    assert still.state.status is PairStatus.SKIPPED
    comment = CommentChanged(1, "created", "10001", "PROJ1-1", "10050", author="human")
    assert decide(comment, still.state, CONFIG, T0).actions == []


def test_a_level_seen_only_in_a_fresh_read_stops_the_merge() -> None:
    partner = change(2, minutes=3, summary="partner")
    observed = fresh(partner, security="site1:Internal staff")
    decision = decide(partner, linked_pair(), CONFIG, T0, observed)
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.status is PairStatus.SKIPPED


def test_levels_in_canonical_form_and_rendered_only_when_mapped() -> None:
    levels = NameMap({"Partner visible": "Partners"})
    maps = FieldMaps(security_levels=levels)
    assert canonical(2, {"security": {"name": "Partners"}}, maps) == {"security": "Partner visible"}
    assert canonical(2, {"security": {"name": "Partner visible"}}, maps) == {
        "security": "site2:Partner visible"  # an unmapped site 2 level, though same-named
    }
    assert canonical(1, {"security": None}, maps) == {"security": None}
    assert render(2, {"security": "Partner visible"}, maps).fields == {
        "security": {"name": "Partners"}
    }
    assert render(2, {"security": "site1:Internal staff"}, maps).fields == {}
    assert render(2, {"security": None}, maps).fields == {"security": None}


def test_sync_config_copies_levels_only_with_a_map() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "security" not in sync_config(settings, MappingFile()).fields
    mapping = MappingFile.model_validate({"security_levels": {"Partner visible": "Partners"}})
    config = sync_config(settings, mapping)
    assert "security" in config.fields
    assert config.maps.security_levels.to_site(2, "Partner visible") == "Partners"


def test_resolving_a_conflict_never_copies_a_restricted_issue() -> None:
    mine = change(1, minutes=2, summary="Mine")
    conflicted = decide(mine, linked_pair(), CONFIG, T0, fresh(mine, summary="Theirs")).state
    assert conflicted is not None
    assert conflicted.conflicts
    observed = {1: seen(1, summary="Mine", security=INTERNAL), 2: seen(2, summary="Theirs")}
    decision = decide(Resolve(1, "PROJ1-1#PROJ2-1"), conflicted, CONFIG, T0, observed)
    assert decision.actions == []
    assert decision.state is not None
    assert decision.state.status is PairStatus.SKIPPED
