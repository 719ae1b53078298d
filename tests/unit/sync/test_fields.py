"""Canonical values and rendering of every field kind, and the mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.sync.fields import (
    CustomField,
    FieldMaps,
    NameMap,
    UserMap,
    canonical,
    render,
)
from streams.sync.knowledge import LearnedUsers
from streams.sync.mapping import MappingError, load_mapping

SEVERITY = CustomField(
    "Severity", "select", {1: "customfield_1", 2: "customfield_2"}, NameMap({"Critical": "Sev 1"})
)
MAPS = FieldMaps(
    components=NameMap({"Backend": "Server"}),
    versions=NameMap({"1.0": "v1"}),
    users=UserMap({"one-carol": "two-carol"}),
    custom=(SEVERITY,),
)


def test_site_2_values_come_back_in_site_1_names() -> None:
    fields = {
        "components": [{"name": "Server"}, {"name": "Mobile"}],
        "fixVersions": [{"name": "v1"}],
        "assignee": {"accountId": "two-carol"},
        "customfield_2": {"value": "Sev 1"},
        "duedate": None,
    }
    assert canonical(2, fields, MAPS) == {
        "components": ["Backend", "Mobile"],
        "fixVersions": ["1.0"],
        "assignee": "one-carol",
        "cf:Severity": "Critical",
        "duedate": None,
    }
    stranger = canonical(2, {"assignee": {"accountId": "two-x"}}, MAPS)
    assert stranger == {"assignee": "site2:two-x"}


def test_rendering_maps_names_and_reports_what_the_site_lacks() -> None:
    values = {
        "components": ["Backend", "Frontend"],
        "fixVersions": ["1.0"],
        "assignee": "one-dave",
        "cf:Severity": "Critical",
    }
    available = {"components": frozenset({"Server"}), "fixVersions": frozenset({"v1"})}
    out = render(2, values, MAPS, available)
    assert out.fields == {
        "components": [{"name": "Server"}],
        "fixVersions": [{"name": "v1"}],
        "assignee": None,
        "customfield_2": {"value": "Sev 1"},
    }
    assert out.held == {"components": ["Backend"], "assignee": None}
    assert set(out.problems) == {"components", "assignee"}
    assert "Frontend" in out.problems["components"]
    back = render(1, {"assignee": "site2:two-carol"}, MAPS)
    assert back.fields == {"assignee": {"accountId": "one-carol"}}


def test_users_learned_by_email_translate_both_ways() -> None:
    store = LearnedUsers()
    users = UserMap({}, learned=store)
    assert users.to_site(2, "one-erin") is None
    store.learn("one-erin", "two-erin")
    assert users.to_site(2, "one-erin") == "two-erin"
    assert users.to_canonical(2, "two-erin") == "one-erin"
    assert users.to_site(1, "site2:two-erin") == "one-erin"


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_mapping_file_in_yaml_or_toml(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"mapping{suffix}"
    if suffix == ".yaml":
        path.write_text(
            "statuses: {In Progress: Doing}\n"
            "custom_fields:\n  - {name: Customer, site2_name: Client, type: text}\n"
            "filters: {exclude_labels: [internal]}\n"
        )
    else:
        path.write_text(
            '[statuses]\n"In Progress" = "Doing"\n\n'
            '[[custom_fields]]\nname = "Customer"\nsite2_name = "Client"\ntype = "text"\n\n'
            '[filters]\nexclude_labels = ["internal"]\n'
        )
    mapping = load_mapping(path)
    assert mapping.statuses == {"In Progress": "Doing"}
    assert mapping.custom_fields[0].name_on(2) == "Client"
    assert mapping.custom_fields[0].name_on(1) == "Customer"
    assert mapping.filters.exclude_labels == ["internal"]


def test_a_bad_mapping_file_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"no-such\.yaml"):
        load_mapping(tmp_path / "no-such.yaml")
    typo = tmp_path / "typo.yaml"
    typo.write_text("custom_fields:\n  - {name: Customer, type: texts}\nstatus: {}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(typo)
    assert "custom_fields.0.type" in str(caught.value)
    assert "status: Extra inputs are not permitted" in str(caught.value)
    broken = tmp_path / "broken.toml"
    broken.write_text("[statuses\n")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(broken)
