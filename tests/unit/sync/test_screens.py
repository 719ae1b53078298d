"""Transition screens: what the sync gives them, and how a resolution travels with a status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.jira.errors import BadRequest
from streams.jira.models import StatusRef, Transition
from streams.state import PairState, PairStatus
from streams.sync.events import evolve
from streams.sync.fields import FieldMaps, NameMap, canonical, render
from streams.sync.mapping import load_mapping
from streams.sync.merge import MergeResult
from streams.sync.messages import SyncConfig, TransitionTo, WriteFields
from streams.sync.model import writes_for
from streams.sync.screens import SCREEN_WARNING, ScreenFieldMissing, ScreenFill, refused

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SITE2_RESOLUTIONS = ("Done", "Won't Fix", "Duplicate")
SEVERITY = {
    "required": True,
    "name": "Severity",
    "key": "customfield_10150",
    "schema": {"type": "option", "custom": "x:select", "customId": 10150},
    "allowedValues": [{"value": "Major", "id": "1"}, {"value": "Minor", "id": "2"}],
}


def done(required: bool = True, names: tuple[str, ...] = SITE2_RESOLUTIONS) -> Transition:
    resolution = {
        "required": required,
        "name": "Resolution",
        "key": "resolution",
        "schema": {"type": "resolution", "system": "resolution"},
        "allowedValues": [{"id": str(n), "name": name} for n, name in enumerate(names)],
    }
    return Transition(
        id="41", name="Done", to=StatusRef(name="Done"), fields={"resolution": resolution}
    )


def escalate() -> Transition:
    to = StatusRef(name="Escalated")
    return Transition(id="51", name="Escalate", to=to, fields={"customfield_10150": SEVERITY})


def maps(resolutions: dict[str, str] | None = None, **defaults: Any) -> FieldMaps:
    return FieldMaps(
        resolutions=NameMap(resolutions or {}),
        transition_defaults={2: defaults} if defaults else {},
    )


def test_the_origin_resolution_goes_through_the_resolutions_map() -> None:
    fill = ScreenFill(2, "Fixed", maps({"Fixed": "Done"}))
    assert fill(done()) == {"resolution": {"name": "Done"}}
    assert fill.given == "Done"


def test_a_resolution_the_target_has_keeps_its_name() -> None:
    fill = ScreenFill(2, "duplicate", maps())
    assert fill(done()) == {"resolution": {"name": "Duplicate"}}  # the site's spelling


def test_a_default_stands_in_for_a_resolution_the_target_lacks() -> None:
    fill = ScreenFill(2, "Cannot Reproduce", maps(Resolution="Won't Fix"))
    assert fill(done()) == {"resolution": {"name": "Won't Fix"}}


@pytest.mark.parametrize("origin", [None, "Fixed"])
def test_without_a_mapping_or_default_no_resolution_is_invented(origin: str | None) -> None:
    """Not even "Done", which this site has: the warning names the field instead."""
    fill = ScreenFill(2, origin, maps())
    with pytest.raises(ScreenFieldMissing) as raised:
        fill(done())
    assert raised.value.field_id == "resolution"
    assert "requires a resolution" in str(raised.value)
    assert "transition_defaults" in str(raised.value)
    assert fill.given is None


def test_a_default_the_target_does_not_have_is_no_way_out() -> None:
    fill = ScreenFill(2, "Fixed", maps(Resolution="Fixed"))
    with pytest.raises(ScreenFieldMissing, match="the default 'Fixed' is not one of"):
        fill(done())


def test_an_optional_resolution_is_left_out_when_it_has_no_counterpart() -> None:
    assert ScreenFill(2, "Fixed", maps())(done(required=False)) == {}


def test_a_required_custom_field_is_filled_from_the_default_in_its_shape() -> None:
    assert ScreenFill(2, None, maps(Severity="Major"))(escalate()) == {
        "customfield_10150": {"value": "Major"}
    }
    assert ScreenFill(2, None, maps(customfield_10150="Minor"))(escalate()) == {
        "customfield_10150": {"value": "Minor"}
    }
    # no default: left to JIRA (the issue may hold one); its refusal becomes a warning
    assert ScreenFill(2, None, maps())(escalate()) == {}


def test_jiras_refusal_of_a_required_field_is_a_warning_naming_it() -> None:
    pair = PairState(pair_id="1:1", version=1, origin=1, status=PairStatus.SYNCED, updated_at=T0)
    error = BadRequest(
        "POST", "/transitions", 400, [], {"customfield_10150": "Severity is required."}
    )
    state = evolve(pair, refused(TransitionTo(2, "PROJ2-1", "Escalated"), error), T0)
    assert state is not None
    [warning] = state.warnings
    assert (warning.code, warning.field) == (SCREEN_WARNING, "customfield_10150")
    assert "Severity is required." in warning.message
    assert "transition_defaults: site2" in warning.message


def test_the_resolution_is_read_and_rendered_through_the_map() -> None:
    field_maps = maps({"Fixed": "Done"})
    assert canonical(2, {"resolution": {"name": "Done"}}, field_maps) == {"resolution": "Fixed"}
    assert canonical(1, {"resolution": None}, field_maps) == {"resolution": None}
    assert render(2, {"resolution": "Fixed"}, field_maps).fields == {"resolution": {"name": "Done"}}


def pair(**base: Any) -> PairState:
    return PairState(
        pair_id="1:1",
        version=1,
        origin=1,
        status=PairStatus.SYNCED,
        base={"summary": "s", "status": "Done", "resolution": "Fixed", **base},
        site1={"site": 1, "id": "1", "key": "PROJ1-1"},
        site2={"site": 2, "id": "2", "key": "PROJ2-1"},
        updated_at=T0,
    )


def result(**writes: Any) -> MergeResult:
    return MergeResult(writes={1: {}, 2: dict(writes)})


CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})


def test_a_resolution_goes_with_the_status_it_changed_with() -> None:
    actions = writes_for(pair(), result(status="Done", resolution="Won't Do", summary="x"), CONFIG)
    assert actions == [
        WriteFields(2, "PROJ2-1", {"summary": "x"}),
        TransitionTo(2, "PROJ2-1", "Done", resolution="Won't Do"),
    ]


def test_a_status_change_carries_the_agreed_resolution() -> None:
    actions = writes_for(pair(), result(status="Closed"), CONFIG)
    assert actions == [TransitionTo(2, "PROJ2-1", "Closed", resolution="Fixed")]


def test_a_resolution_alone_is_an_edit_never_a_move() -> None:
    """Never a transition to the agreed status: the target may be elsewhere by now."""
    actions = writes_for(pair(), result(resolution="Duplicate"), CONFIG)
    assert actions == [WriteFields(2, "PROJ2-1", {"resolution": "Duplicate"})]


def test_the_mapping_file_has_resolutions_and_transition_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "resolutions: {Fixed: Done}\n"
        'transition_defaults:\n  site2: {Resolution: "Won\'t Fix", Story Points: 3}\n'
    )
    mapping = load_mapping(path)
    assert mapping.resolutions == {"Fixed": "Done"}
    assert mapping.transition_defaults.on(2) == {"Resolution": "Won't Fix", "Story Points": 3}
    assert mapping.transition_defaults.on(1) == {}
