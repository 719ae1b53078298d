"""The journal's pieces: JIRA errors survive the record, answers come back in order, a
request the worker did not make is refused, the cross-step knowledge round-trips."""

from __future__ import annotations

import json

import pytest

from streams.jira import errors
from streams.jira.client import JiraClient
from streams.jira.models import StatusRef, Transition
from streams.sync import journal
from streams.sync.transitions import WorkflowGraph

ERRORS = [
    errors.RateLimited("GET", "/rest/api/3/issue/A-1", 429, ["slow down"], retry_after=7.0),
    errors.ServerError("PUT", "/rest/api/3/issue/A-1", 503, [], retry_after=None),
    errors.ConflictingUpdate("PUT", "/rest/api/3/issue/A-1", 409, ["edited"], retry_after=1.5),
    errors.JiraUnavailable("GET", "/rest/api/3/myself", None, ["timeout"]),
    errors.BadRequest("PUT", "/rest/api/3/issue/A-1", 400, [], {"labels": "not on screen"}),
    errors.NotFound("GET", "/rest/api/3/issue/A-9", 404, ["Issue does not exist"]),
    errors.Forbidden("DELETE", "/rest/api/3/issue/A-1", 403, []),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_a_jira_error_comes_back_from_the_record_as_it_was(error: errors.JiraError) -> None:
    back = journal.error_from_json(json.loads(json.dumps(journal.error_to_json(error))))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert (back.status, back.messages, back.errors) == (error.status, error.messages, error.errors)
    if isinstance(error, errors.RetryableJiraError):
        assert isinstance(back, errors.RetryableJiraError)
        assert back.retry_after == error.retry_after


def test_an_unknown_error_type_is_a_permanent_error_not_a_crash() -> None:
    raw = {"type": "Exception", "method": "GET", "path": "/x", "status": 418}
    assert type(journal.error_from_json(raw)) is errors.PermanentJiraError


def entry(method: str, path: str, answer: object = None, **more: object) -> dict[str, object]:
    return {"site": 1, "method": method, "path": path, "params": None, "json": None,
            "answer": answer, **more}  # fmt: skip


async def test_answers_come_back_in_order_and_errors_are_raised() -> None:
    recorded = [
        entry("GET", "/rest/api/3/myself", {"accountId": "a"}),
        {**entry("GET", "/rest/api/3/issue/A-9"), "error": journal.error_to_json(ERRORS[5])},
    ]
    exchanges = journal.Exchanges(recorded)
    client = JiraClient(journal.ReplayTransport(1, exchanges))
    assert (await client.myself()).account_id == "a"
    with pytest.raises(errors.NotFound):
        await client.request("GET", "/rest/api/3/issue/A-9")
    assert exchanges.left() == 0
    with pytest.raises(journal.Diverged, match="never asked for"):
        await client.request("GET", "/rest/api/3/myself")


async def test_a_request_the_worker_did_not_make_is_refused_with_what_differs() -> None:
    recorded = [entry("PUT", "/rest/api/3/issue/A-1", json={"fields": {"summary": "a"}})]
    client = JiraClient(journal.ReplayTransport(1, journal.Exchanges(recorded)))
    with pytest.raises(journal.Diverged, match="with other json"):
        await client.request("PUT", "/rest/api/3/issue/A-1", json={"fields": {"summary": "b"}})
    other_site = JiraClient(journal.ReplayTransport(2, journal.Exchanges(recorded)))
    with pytest.raises(journal.Diverged, match=r"on site 1$"):
        await other_site.request("PUT", "/rest/api/3/issue/A-1", json={"fields": {"summary": "a"}})


def test_the_cross_step_knowledge_round_trips() -> None:
    done = Transition(id="31", name="Finish", to=StatusRef(id="3", name="Done"))
    graph = WorkflowGraph()
    graph.learn("To Do", [done])
    context = journal.context_of(
        {1: "acc-1", 2: "acc-2"},
        {"Customer": {1: "customfield_10042", 2: "customfield_10142"}},
        {"u1": "u2"},
        {1: graph, 2: WorkflowGraph()},
        {1: "https://one.example", 2: "https://two.example"},
    )
    context = json.loads(json.dumps(context))
    graphs = journal.graphs_from(context)
    assert graphs[1].exits == graph.exits
    assert graphs[1].first_hop("to do", "done") == "done"
    assert graphs[2].exits == {}
    assert context["users"] == {"u1": "u2"}
    assert context["custom"] == {"Customer": {"1": "customfield_10042", "2": "customfield_10142"}}


async def test_a_replayed_edit_is_sent_as_the_worker_sent_it() -> None:
    """The worker knew site 1's account may not skip notifications: it edited without the
    flag. A replay whose client did not know would ask with it and diverge."""
    worker = {1: JiraClient(journal.ReplayTransport(1, journal.Exchanges([])))}
    worker[1].discards_notifications = False
    context = {"quiet": journal.quiet_of(worker)}
    body = {"fields": {"summary": "x"}}
    sent = journal.request_entry(1, "PUT", "/rest/api/3/issue/P-1", None, body)
    replayed = {1: JiraClient(journal.ReplayTransport(1, journal.Exchanges([sent])))}
    journal.with_quiet(replayed, json.loads(json.dumps(context)))
    await replayed[1].edit_issue("P-1", fields={"summary": "x"})
    unknowing = {1: JiraClient(journal.ReplayTransport(1, journal.Exchanges([sent])))}
    journal.with_quiet(unknowing, {})  # a journal from before: nothing known
    with pytest.raises(journal.Diverged):
        await unknowing[1].edit_issue("P-1", fields={"summary": "x"})
