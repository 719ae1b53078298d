"""``jira-sync match``'s planner (``jira_sync.ops.match_plan``): each rule in both
directions, ambiguity set apart (never paired), the unmatched listed, and a plan that
does not depend on the order the issues are read in."""

from __future__ import annotations

import random

import pytest

from jira_sync.ops.match_plan import Ambiguous, Issue, Pair, Plan, candidates, natural, plan

FIELD = "field:Legacy key"


def ref(key: str, to: str = "") -> Issue:
    """An issue whose ``Legacy key`` field holds ``to``."""
    return Issue(key, fields={"Legacy key": to})


def test_field_rule_pairs_from_either_side() -> None:
    one = [ref("A-1", "B-7"), ref("A-2")]
    two = [ref("B-7"), ref("B-8", "A-2")]
    result = plan(FIELD, one, two)
    assert result.pairs == (Pair("A-1", "B-7", FIELD), Pair("A-2", "B-8", FIELD))
    assert result.ambiguous == ()
    assert result.unmatched == ((), ())


def test_field_rule_reads_only_its_field_and_only_existing_keys() -> None:
    one = [Issue("A-1", summary="B-7", fields={"Other": "B-7"}), ref("A-2", "B-99 and C-1")]
    two = [ref("B-7")]
    result = plan(FIELD, one, two)
    assert result.pairs == ()
    assert result.unmatched == (("A-1", "A-2"), ("B-7",))


def test_both_sides_naming_each_other_is_one_pair() -> None:
    result = plan(FIELD, [ref("A-1", "B-1")], [ref("B-1", "A-1")])
    assert [p.sync_id for p in result.pairs] == ["A-1#B-1"]


def test_key_in_summary_both_directions() -> None:
    one = [Issue("A-1", "Copy of B-3"), Issue("A-2", "Printer jam")]
    two = [Issue("B-3", "Copy"), Issue("B-4", "(was A-2) Printer jam")]
    result = plan("key-in-summary", one, two)
    assert [(p.key1, p.key2) for p in result.pairs] == [("A-1", "B-3"), ("A-2", "B-4")]
    assert {p.why for p in result.pairs} == {"key-in-summary"}


def test_key_in_summary_needs_a_whole_key() -> None:
    one = [Issue("A-1", "see XB-3, B-30 and b-3"), Issue("A-2", "B-3x")]
    result = plan("key-in-summary", one, [Issue("B-3")])
    assert result.pairs == ()
    assert result.unmatched == (("A-1", "A-2"), ("B-3",))


def test_projects_with_the_same_key_are_told_apart_by_site() -> None:
    """Both sites may use the same project key: a reference is always to the other site."""
    one = [Issue("P-1", "mirror of P-2"), Issue("P-2", "local")]
    two = [Issue("P-1"), Issue("P-2")]
    assert [p.sync_id for p in plan("key-in-summary", one, two).pairs] == ["P-1#P-2"]


def test_summary_created_same_summary_and_same_date() -> None:
    one = [
        Issue("A-1", "  Printer   JAM ", "2024-03-01T09:00:00+00:00"),
        Issue("A-2", "Printer jam", "2024-03-02T09:00:00+00:00"),
        Issue("A-3", "Fax", "2024-03-01T09:00:00+00:00"),
    ]
    two = [
        Issue("B-1", "printer jam", "2024-03-01T23:59:00+00:00"),
        Issue("B-2", "Fax machine", "2024-03-01T09:00:00+00:00"),
    ]
    result = plan("summary-created", one, two)
    assert result.pairs == (Pair("A-1", "B-1", "summary-created"),)
    assert result.unmatched == (("A-2", "A-3"), ("B-2",))


def test_summary_rule_ignores_the_date() -> None:
    one = [Issue("A-1", "Printer jam", "2024-03-01T09:00:00+00:00")]
    two = [Issue("B-1", "printer  jam", "2025-01-01T00:00:00+00:00")]
    assert [p.sync_id for p in plan("summary", one, two).pairs] == ["A-1#B-1"]


def test_an_issue_with_two_candidates_is_set_apart_with_them() -> None:
    one = [ref("A-1", "B-1 B-2")]
    two = [ref("B-1"), ref("B-2"), ref("B-3", "A-1")]
    result = plan(FIELD, one, two)
    assert result.pairs == ()
    assert result.ambiguous == (
        Ambiguous(1, "A-1", ("B-1", "B-2", "B-3")),
        Ambiguous(2, "B-1", ("A-1",)),
        Ambiguous(2, "B-2", ("A-1",)),
        Ambiguous(2, "B-3", ("A-1",)),
    )
    assert result.unmatched == ((), ())


def test_a_candidate_claimed_by_two_issues_is_set_apart() -> None:
    one = [ref("A-1", "B-1"), ref("A-2", "B-1"), ref("A-3", "B-2")]
    two = [ref("B-1"), ref("B-2")]
    result = plan(FIELD, one, two)
    assert result.pairs == (Pair("A-3", "B-2", FIELD),)
    assert result.ambiguous == (
        Ambiguous(1, "A-1", ("B-1",)),
        Ambiguous(1, "A-2", ("B-1",)),
        Ambiguous(2, "B-1", ("A-1", "A-2")),
    )


def test_a_side_two_issue_with_two_claims_from_the_other_direction() -> None:
    """Site 2's issue names one issue, another of site 1 names it: two candidates."""
    one = [ref("A-1"), ref("A-2", "B-1")]
    two = [ref("B-1", "A-1")]
    result = plan(FIELD, one, two)
    assert result.pairs == ()
    assert Ambiguous(2, "B-1", ("A-1", "A-2")) in result.ambiguous
    assert result.counts() == {
        "pairs": 0,
        "ambiguous_1": 2,
        "ambiguous_2": 1,
        "unmatched_1": 0,
        "unmatched_2": 0,
    }


def test_same_summary_twice_on_a_side_is_ambiguous() -> None:
    one = [Issue("A-1", "Jam"), Issue("A-2", "Jam"), Issue("A-3", "Fax")]
    two = [Issue("B-1", "jam"), Issue("B-2", "fax"), Issue("B-3", "fax")]
    result = plan("summary", one, two)
    assert result.pairs == ()
    assert [(a.site, a.key) for a in result.ambiguous] == [
        (1, "A-1"),
        (1, "A-2"),
        (1, "A-3"),
        (2, "B-1"),
        (2, "B-2"),
        (2, "B-3"),
    ]


def test_every_issue_lands_in_exactly_one_place() -> None:
    rng = random.Random(7)  # noqa: S311 - test data, not crypto
    one = [ref(f"A-{n}", f"B-{rng.randint(1, 40)}" if n % 3 else "") for n in range(1, 41)]
    two = [ref(f"B-{n}", f"A-{rng.randint(1, 40)}" if n % 4 == 0 else "") for n in range(1, 41)]
    result = plan(FIELD, one, two)
    for site, side in ((1, one), (2, two)):
        paired = [p.key1 if site == 1 else p.key2 for p in result.pairs]
        apart = [a.key for a in result.ambiguous if a.site == site]
        places = paired + apart + list(result.unmatched[site - 1])
        assert sorted(places, key=natural) == [i.key for i in side]


def test_the_plan_does_not_depend_on_the_order_read() -> None:
    one = [ref(f"A-{n}", f"B-{n % 30 + 1}") for n in range(1, 41)]
    two = [
        Issue(f"B-{n}", fields={"Legacy key": f"A-{n + 5}" if n > 25 else ""}) for n in range(1, 36)
    ]
    first = plan(FIELD, one, two)
    shuffled = random.Random(3)  # noqa: S311 - test data, not crypto
    for _ in range(5):
        a, b = list(one), list(two)
        shuffled.shuffle(a)
        shuffled.shuffle(b)
        assert plan(FIELD, a, b) == first
    assert [p.key1 for p in first.pairs] == sorted((p.key1 for p in first.pairs), key=natural)


def test_keys_sort_by_project_then_number() -> None:
    keys = ["B-2", "A-10", "A-9", "AB-1"]
    assert sorted(keys, key=natural) == ["A-9", "A-10", "AB-1", "B-2"]


def test_a_key_read_twice_counts_once() -> None:
    result = plan(FIELD, [ref("A-1", "B-1"), ref("A-1", "B-1")], [ref("B-1")])
    assert result.pairs == (Pair("A-1", "B-1", FIELD),)


def test_pairs_already_linked_are_marked() -> None:
    one = [Issue("A-1", "x", id="11"), Issue("A-2", "y", id="12"), Issue("A-4", "w", link="2:24")]
    two = [
        Issue("B-1", "x", link="1:11", id="21"),  # linked (or created) from site 1
        Issue("B-2", "y", link="1:99", id="22"),  # a marker naming another pair
        Issue("B-3", "z", id="23"),
        Issue("B-4", "w", id="24"),  # created from site 2: site 1's copy names it
    ]
    result = plan("summary", one, two)
    assert [(p.sync_id, p.linked) for p in result.pairs] == [
        ("A-1#B-1", True),
        ("A-2#B-2", False),
        ("A-4#B-4", True),
    ]


def test_empty_projects_plan_nothing() -> None:
    assert plan("key-in-summary", [], []) == Plan((), (), ((), ()))


@pytest.mark.parametrize("rule", ["field:", "field:  ", "jql", "Summary", ""])
def test_unknown_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        candidates(rule, [Issue("A-1")], [Issue("B-1")])
