"""What the sync does where the target project differs (pure parts)."""

from __future__ import annotations

from streams.sync.catalog import _priorities
from streams.sync.differences import canonical_names, issue_type
from streams.sync.fields import CustomField, FieldMaps, NameMap, Priorities, render

MAPS = FieldMaps(
    priorities=NameMap({"Highest": "Blocker"}),
    custom=(CustomField("Customer", "text", {1: "customfield_10042", 2: "customfield_10142"}),),
)
SITE2 = Priorities(frozenset({"Blocker", "High", "Medium"}), "Medium")


def test_refused_field_ids_are_turned_back_into_canonical_names() -> None:
    named = canonical_names(2, ["customfield_10142", "duedate", "customfield_99"], MAPS)
    assert named == {"cf:Customer": "customfield_10142", "duedate": "duedate",
                     "customfield_99": "customfield_99"}  # fmt: skip


def test_a_priority_the_site_lacks_is_its_default_and_held_and_reported() -> None:
    out = render(2, {"priority": "Low"}, MAPS, priorities=SITE2)
    assert out.fields == {"priority": {"name": "Medium"}}
    assert out.held == {"priority": "Medium"}
    assert "Low" in out.problems["priority"]
    mapped = render(2, {"priority": "Highest"}, MAPS, priorities=SITE2)
    assert mapped.fields == {"priority": {"name": "Blocker"}}
    assert mapped.problems == {}
    unknown = render(2, {"priority": "Low"}, MAPS)  # no catalogue: as asked
    assert unknown.fields == {"priority": {"name": "Low"}}


def test_the_default_priority_is_the_one_marked_else_the_first() -> None:
    marked = [{"name": "High", "isDefault": False}, {"name": "Low", "isDefault": True}]
    assert _priorities(marked) == Priorities(frozenset({"High", "Low"}), "Low")
    assert _priorities([{"name": "High"}, {"name": "Low"}]) == Priorities(
        frozenset({"High", "Low"}), "High"
    )
    assert _priorities({"errorMessages": []}) is None
    assert _priorities([]) is None


def test_an_issue_type_the_project_lacks_falls_back_with_a_reason() -> None:
    types = frozenset({"Task", "Defect"})
    assert issue_type(2, "Bug", "Defect", types, "Task") == ("Defect", None)
    fallback, why = issue_type(2, "Story", "Story", types, "Task")
    assert fallback == "Task"
    assert why is not None
    assert "Story" in why
    fallback, why = issue_type(2, "Story", "Story", frozenset({"Defect", "Epic"}), "Task")
    assert fallback == "Defect"  # no default type there either: the first by name
