"""``jira-sync match``'s pure edges: a search result made into the planner's ``Issue``
(``match_read``), the bounded JQL of a side, and the plan as a table and as CSV
(``match_view``)."""

from __future__ import annotations

import csv
import io

import pytest

from jira_sync.ops.match_plan import Ambiguous, Pair, Plan
from jira_sync.ops.match_read import MatchError, jql_of, planned, text_of
from jira_sync.ops.match_view import COLUMNS, csv_text, summary_line, table
from streams.jira.models import Issue as JiraIssue

PLAN = Plan(
    pairs=(Pair("A-1", "B-1", "summary", linked=True), Pair("A-10", "B-2", "summary")),
    ambiguous=(Ambiguous(1, "A-3", ("B-3", "B-4")), Ambiguous(2, "B-5", ("A-5", "A-6"))),
    unmatched=(("A-7",), ("B-8", "B-9")),
)


def test_text_of_every_kind_of_value() -> None:
    adf = {
        "type": "doc",
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "was B-7"}]}],
    }
    assert text_of(None) == ""
    assert text_of("B-7") == "B-7"
    assert text_of(7) == "7"
    assert text_of({"value": "B-7", "id": "1"}) == "B-7"
    assert text_of({"displayName": "Ann"}) == "Ann"
    assert text_of(["B-7", {"value": "B-8"}]) == "B-7 B-8"
    assert text_of(adf) == "was B-7"


def test_planned_reads_summary_created_in_utc_field_and_marker() -> None:
    issue = JiraIssue.model_validate(
        {
            "id": "10001",
            "key": "A-1",
            "fields": {
                "summary": "Jam",
                "created": "2024-03-01T23:30:00.000-0200",
                "customfield_10042": "B-7",
            },
            "properties": {"jira-sync.link": {"pair_id": "p-1", "site": 1}},
        }
    )
    seen = planned(issue, "field:Legacy key", "customfield_10042")
    assert (seen.key, seen.summary, seen.link) == ("A-1", "Jam", "p-1")
    assert seen.created.startswith("2024-03-02T01:30:00")  # the UTC date is compared
    assert seen.fields == {"Legacy key": "B-7"}
    bare = planned(JiraIssue.model_validate({"id": "9", "fields": {}}), "summary", None)
    assert (bare.key, bare.summary, bare.created, bare.fields, bare.link) == ("9", "", "", {}, None)


def test_jql_of_bounds_a_side_by_its_project() -> None:
    assert jql_of("PROJ1", "") == 'project = "PROJ1" ORDER BY id ASC'
    assert (
        jql_of("P", "labels = x OR a = b")
        == 'project = "P" AND (labels = x OR a = b) ORDER BY id ASC'
    )
    with pytest.raises(MatchError, match="ORDER BY"):
        jql_of("P", "labels = x order  BY key")


def test_table_lists_pairs_then_the_ambiguous_then_the_unmatched() -> None:
    lines = table(PLAN, ("A", "B"), "jql (same summary)").splitlines()
    assert lines[:4] == [
        "Proposed pairs (2, rule jql (same summary)):",
        "  A     B",
        "  A-1   B-1  (already linked)",
        "  A-10  B-2",
    ]
    assert lines[4:8] == [
        "",
        "Ambiguous, set apart, not paired (2):",
        "  site 1 A-3: candidates B-3, B-4",
        "  site 2 B-5: candidates A-5, A-6",
    ]
    assert lines[9:12] == [
        "Unmatched (no candidate):",
        "  site 1 (1): A-7",
        "  site 2 (2): B-8, B-9",
    ]
    assert lines[-1] == summary_line(PLAN)
    assert summary_line(PLAN) == (
        "2 pairs (1 already linked); ambiguous: 1 of site 1, 1 of site 2; "
        "unmatched: 1 of site 1, 2 of site 2"
    )


def test_an_empty_plan_says_none() -> None:
    text = table(Plan((), (), ((), ())), ("A", "B"), "key-in-summary")
    assert "Ambiguous, set apart, not paired (0):\n  none" in text
    assert "  site 1 (0): none" in text


def test_csv_one_row_per_placement() -> None:
    rows = list(csv.reader(io.StringIO(csv_text(PLAN, "summary"))))
    assert rows[0] == list(COLUMNS)
    assert rows[1:] == [
        ["pair", "A-1", "B-1", "", "summary", "yes"],
        ["pair", "A-10", "B-2", "", "summary", "no"],
        ["ambiguous", "A-3", "", "B-3 B-4", "summary", ""],
        ["ambiguous", "", "B-5", "A-5 A-6", "summary", ""],
        ["unmatched", "A-7", "", "", "summary", ""],
        ["unmatched", "", "B-8", "", "summary", ""],
        ["unmatched", "", "B-9", "", "summary", ""],
    ]
