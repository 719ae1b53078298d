"""The mapping file's JQL filters: the pure questions and refusal, the first sight deciding
on JIRA's answer, the bounded cache of answers per issue version, and the gate asking JIRA
(a recorded client: no HTTP) once per version, with ``reconcileIssues``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from streams.jira.client import JiraClient
from streams.jira.errors import BadRequest, Forbidden, ServerError
from streams.sync import jql_gate
from streams.sync.fields import FieldMaps
from streams.sync.jql_filter import Answers, needs_asking, question, refusal, scoped, version
from streams.sync.jql_gate import JqlFilterError, JqlGate, validate
from streams.sync.mapping import MappingError, load_mapping
from streams.sync.messages import CreateCounterpart, IssueChanged, IssueFilter, SyncConfig
from streams.sync.model import decide
from streams.sync.normalize import (
    change_from_envelope,
    change_from_json,
    change_to_json,
    snapshot_envelope,
)

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
JQL = {1: "priority = High"}
CONFIG = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"}, filters=IssueFilter(jql=dict(JQL)))


def change(site: int = 1, minutes: int = 0, **more: Any) -> IssueChanged:
    values = {"summary": "s", "priority": "High", "labels": [], "status": "To Do"}
    return IssueChanged(
        site=cast(Any, site),
        kind=more.pop("kind", "created"),
        issue_id="10001" if site == 1 else "20001",
        issue_key="PROJ1-1" if site == 1 else "PROJ2-1",
        values=values,
        updated=T0 + timedelta(minutes=minutes),
        webhook_id=more.pop("webhook_id", f"w{minutes}"),
        **more,
    )


def test_the_searches_are_the_project_and_the_issue_narrowed_by_the_filter() -> None:
    assert scoped("PROJ1", "labels = partner") == 'project = "PROJ1" AND (labels = partner)'
    assert scoped("PROJ1", None) == 'project = "PROJ1"'
    assert question("10001", "a = 1 OR b = 2") == "id = 10001 AND (a = 1 OR b = 2)"
    with pytest.raises(ValueError, match="invalid literal"):
        question("1 OR id > 0", "a = 1")  # an id is a number, never JQL


def test_only_a_site_with_a_filter_and_an_unanswered_live_issue_is_asked() -> None:
    filters = CONFIG.filters
    assert needs_asking(change(1), filters)
    assert not needs_asking(change(2), filters)
    assert not needs_asking(change(1, kind="deleted"), filters)
    assert not needs_asking(change(1, jql_match=True), filters)
    labels = dataclasses.replace(filters, include_labels=frozenset({"partner"}))
    assert not needs_asking(change(1), labels)  # refused by its labels: no call


def test_a_resync_snapshot_its_filter_found_is_not_asked_again() -> None:
    now = T0
    fields = {"summary": "s", "updated": "2026-12-02T12:00:00.000+0000"}
    found = snapshot_envelope(1, "10001", "PROJ1-1", fields, "resync:1", now, matched=True)
    other = snapshot_envelope(1, "10001", "PROJ1-1", fields, "manual:1", now)
    for envelope, expected in ((found, True), (other, None)):
        read = change_from_envelope(envelope, FieldMaps())
        assert isinstance(read, IssueChanged)
        assert read.jql_match is expected


def test_the_first_sight_starts_a_pair_only_when_jira_says_it_matches() -> None:
    no = decide(change(1, jql_match=False), None, CONFIG, T0)
    assert (no.state, no.actions) == (None, [])
    assert no.note == "ignored: does not match the JQL filter of site 1 (priority = High)"
    yes = decide(change(1, jql_match=True), None, CONFIG, T0)
    assert yes.state is not None
    assert isinstance(yes.actions[0], CreateCounterpart)
    other_site = decide(change(2), None, CONFIG, T0)  # site 2 has no filter
    assert other_site.state is not None
    assert refusal(change(1), JQL) is None  # not asked (a replay): no refusal invented


def test_a_paired_issue_stays_paired_whatever_the_filter_says() -> None:
    started = decide(change(1, jql_match=True), None, CONFIG, T0).state
    assert started is not None
    later = decide(change(1, minutes=2, kind="updated", jql_match=False), started, CONFIG, T0)
    assert not later.note.startswith("ignored")


def test_the_answer_travels_with_the_message() -> None:
    for answer in (True, False, None):
        assert change_from_json(change_to_json(change(jql_match=answer))).jql_match is answer


def test_answers_are_kept_per_version_and_bounded() -> None:
    answers = Answers(size=2)
    one, two, three = (version(change(minutes=m)) for m in (1, 2, 3))
    answers.put(one, True)
    answers.put(two, False)
    assert answers.get(one) is True  # now the most recently used
    answers.put(three, True)
    assert (answers.get(one), answers.get(two), answers.get(three)) == (True, None, True)
    unversioned = dataclasses.replace(change(), updated=None)
    answers.put(version(unversioned), True)
    assert answers.get(version(unversioned)) is None
    assert len(answers.known) == 2


class Recorded:
    """``any_match`` as JIRA would answer it; each call recorded, errors raised first."""

    def __init__(self, answer: bool = True, errors: list[Exception] | None = None) -> None:
        self.answer, self.errors = answer, errors or []
        self.calls: list[tuple[str, list[str] | None]] = []

    async def any_match(self, jql: str, reconcile: list[str] | None = None) -> bool:
        self.calls.append((jql, reconcile))
        if self.errors:
            raise self.errors.pop(0)
        return self.answer


def gate(client: Recorded) -> JqlGate:
    return JqlGate({1: cast(JiraClient, client)}, CONFIG.filters)


async def test_one_search_per_issue_version_with_the_issue_reconciled() -> None:
    client = Recorded(answer=False)
    asking = gate(client)
    first = await asking.answered(change(minutes=1))
    again = await asking.answered(change(minutes=1, webhook_id="duplicate"))
    assert first.jql_match is again.jql_match is False
    assert client.calls == [("id = 10001 AND (priority = High)", ["10001"])]
    client.answer = True
    assert (await asking.answered(change(minutes=5))).jql_match is True  # a new version
    assert (len(client.calls), asking.asked) == (2, 2)
    assert await asking.answered(change(2)) == change(2)  # no filter there: not asked


async def test_jira_unanswered_is_asked_again_and_a_refusal_is_a_no(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def slept(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(jql_gate.asyncio, "sleep", slept)
    busy = Recorded(errors=[ServerError("POST", "/search/jql", 503)] * 2)
    assert (await gate(busy).answered(change())).jql_match is True
    assert (len(busy.calls), waits) == (3, [1.0, 2.0])
    refused = Recorded(errors=[Forbidden("POST", "/search/jql", 403)])
    assert (await gate(refused).answered(change())).jql_match is False


async def test_a_filter_jira_refuses_stops_the_start_naming_the_site() -> None:
    said = "Field 'prority' does not exist or you do not have permission to view it."
    client = Recorded(errors=[BadRequest("POST", "/rest/api/3/search/jql", 400, [said])])
    with pytest.raises(JqlFilterError) as error:
        await validate({2: cast(JiraClient, client)}, {2: "PROJ2"}, {2: "prority = High"})
    assert str(error.value) == f"the JQL filter of site 2 (prority = High): JIRA says: {said}"
    assert client.calls == [('project = "PROJ2" AND (prority = High)', None)]
    fine = Recorded()
    await validate({1: cast(JiraClient, fine)}, {1: "PROJ1"}, JQL)
    assert len(fine.calls) == 1


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_the_mapping_file_names_a_filter_per_site(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"mapping{suffix}"
    if suffix == ".yaml":
        path.write_text('filters:\n  jql:\n    1: "priority = High"\n    2: " labels = x "\n')
    else:
        path.write_text('[filters.jql]\n1 = "priority = High"\n2 = " labels = x "\n')
    assert load_mapping(path).filters.jql == {1: "priority = High", 2: "labels = x"}


def test_a_filter_for_no_site_or_an_empty_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text('filters: {jql: {3: "priority = High"}}\n')
    with pytest.raises(MappingError, match=r"filters\.jql: .*a site is 1 or 2, not 3"):
        load_mapping(path)
    path.write_text('filters: {jql: {1: "  "}}\n')
    with pytest.raises(MappingError, match="the JQL of site 1 is empty"):
        load_mapping(path)
