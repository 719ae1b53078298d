"""The JIRA client against the emulator over real HTTP, with the OpenAPI contract checked.

Every request the client sends and every answer the emulator gives is validated against
Atlassian's description; the module fails at teardown on any violation.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from pydantic import SecretStr

from sandbox import Faults, RateLimits, RunningSite, SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from streams.jira.adf import adf_to_text, text_to_adf
from streams.jira.client import JiraClient
from streams.jira.errors import (
    BadRequest,
    Forbidden,
    Gone,
    JiraUnavailable,
    NotFound,
    Unauthorized,
)
from streams.jira.ratelimit import SiteLimiter
from streams.jira.sites import open_client
from streams.jira.transport import RetryPolicy, SiteAuth
from tests.infra import OPENAPI_SPEC

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, jitter=0.0)
UNPACED = SiteLimiter({})
VIOLATIONS: list[str] = []


@pytest.fixture(scope="module")
def contract() -> Iterator[OpenApiContract]:
    yield OpenApiContract(OPENAPI_SPEC)
    assert VIOLATIONS == [], "\n".join(VIOLATIONS)


@asynccontextmanager
async def site_and_client(
    contract: OpenApiContract, retry: RetryPolicy = FAST, wait: float = 10.0, **config: object
) -> AsyncIterator[tuple[RunningSite, JiraClient]]:
    settings = SiteConfig(project_key="PROJ1", contract=contract, **config)  # type: ignore[arg-type]
    async with serve_emulator(settings) as site:
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth, retry, SiteLimiter({}), wait) as client:
            try:
                yield site, client
            finally:
                VIOLATIONS.extend(site.emulator.contract_violations)


def issue_fields(summary: str, **more: object) -> dict[str, object]:
    return {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": summary, **more}


async def test_create_with_link_marker_get_edit_and_delete(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        created = await client.create_issue(
            issue_fields("Printer on fire", description=text_to_adf("Line one\n* a\n* b")),
            properties={"jira-sync.link": {"pair_id": "2:20001"}},
        )
        assert created.key == "PROJ1-1"
        issue = await client.get_issue(created.key, properties=["jira-sync.link"])
        assert issue.properties["jira-sync.link"] == {"pair_id": "2:20001"}
        assert adf_to_text(issue.fields["description"]) == "Line one\n* a\n* b"
        before = issue.updated
        await client.edit_issue(
            created.key, fields={"summary": "Printer fixed"}, update={"labels": [{"add": "ops"}]}
        )
        edited = await client.get_issue(created.key, fields=["summary", "labels", "updated"])
        assert (edited.fields["summary"], edited.fields["labels"]) == ("Printer fixed", ["ops"])
        assert edited.updated != before
        await client.delete_issue(created.key)
        with pytest.raises(NotFound):
            await client.get_issue(created.key)


async def test_transitions_comments_properties_and_remote_links(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        key = (await client.create_issue(issue_fields("Work"))).key
        available = await client.transitions(key)
        assert await client.status_and_transitions(key) == ("To Do", available)
        to_progress = next(t for t in available if t.to.name == "In Progress")
        await client.transition(key, to_progress.id)
        assert (await client.status_and_transitions(key))[0] == "In Progress"
        assert (await client.get_issue(key, fields=["status"])).fields["status"][
            "name"
        ] == "In Progress"
        comment = await client.add_comment(key, text_to_adf("hello") or {})
        await client.update_comment(key, comment.id, text_to_adf("hello again") or {})
        bodies = [adf_to_text(c.body) async for c in client.comments(key)]  # type: ignore[arg-type]
        assert bodies == ["hello again"]
        await client.delete_comment(key, comment.id)
        assert [c async for c in client.comments(key)] == []
        await client.set_property(key, "jira-sync.link", {"pair_id": "1:1"})
        assert await client.get_property(key, "jira-sync.link") == {"pair_id": "1:1"}
        for title in ("first", "second"):
            await client.upsert_remote_link(
                key, "jira-sync:2:20001", "https://other/browse/PROJ2-1", title
            )
        links = await client.request("GET", f"/rest/api/3/issue/{key}/remotelink")
        assert [link["object"]["title"] for link in links] == ["second"]


async def test_search_pages_through_more_than_three_pages(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (site, client):
        site.emulator.seed_issues(23)
        keys = [
            issue.key
            async for issue in client.search(
                "project = PROJ1 ORDER BY key ASC", ["summary"], page_size=5
            )
        ]
        assert client.transport.calls["POST"] == 5
        assert len(keys) == 23
        assert len(set(keys)) == 23


async def test_changelog_pages_oldest_first(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        key = (await client.create_issue(issue_fields("v0"))).key
        for n in range(1, 13):
            await client.edit_issue(key, fields={"summary": f"v{n}"})
        entries = [entry async for entry in client.changelog(key, page_size=5)]
        assert [entry.items[0]["toString"] for entry in entries] == [f"v{n}" for n in range(1, 13)]
        assert client.transport.calls["GET"] == 3


async def test_old_search_endpoint_is_gone(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        with pytest.raises(Gone) as caught:
            await client.request("GET", "/rest/api/3/search", params={"jql": "project = PROJ1"})
        assert caught.value.status == 410
        assert caught.value.messages


async def test_bad_request_is_not_retried_and_says_why(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        key = (await client.create_issue(issue_fields("x"))).key
        await client.may_discard_notifications("PROJ1")  # as the worker does at start
        with pytest.raises(BadRequest) as caught:
            await client.edit_issue(key, fields={"priority": {"name": "Apocalyptic"}})
        assert "priority" in caught.value.errors
        assert client.transport.calls["PUT"] == 1
        assert client.transport.calls["retries"] == 0


async def test_field_not_on_screen_is_permanent_and_named(contract: OpenApiContract) -> None:
    screen = frozenset({"summary", "description", "priority"})
    async with site_and_client(contract, edit_screen=screen) as (_, client):
        key = (await client.create_issue(issue_fields("x"))).key
        with pytest.raises(BadRequest) as caught:
            await client.edit_issue(key, fields={"labels": ["ops"]})
        assert caught.value.fields_not_on_screen == ["labels"]
        assert not caught.value.retryable


async def test_rate_limit_answers_are_waited_out_per_retry_after(contract: OpenApiContract) -> None:
    limits = RateLimits(put_per_second=1)
    async with site_and_client(contract, rate_limits=limits) as (_, client):
        key = (await client.create_issue(issue_fields("x"))).key
        started = time.monotonic()
        for n in range(3):
            await client.edit_issue(key, fields={"summary": f"s{n}"})
        assert client.transport.calls["retries"] >= 1
        assert time.monotonic() - started >= 1.0  # Retry-After was at least one second
        assert (await client.get_issue(key, fields=["summary"])).fields["summary"] == "s2"


async def test_server_errors_are_retried_for_idempotent_calls(contract: OpenApiContract) -> None:
    async with site_and_client(contract, faults=Faults(seed=7, error_rate=0.5)) as (site, client):
        site.emulator.seed_issues(1)
        for _ in range(10):
            assert (await client.get_issue("PROJ1-1", fields=["summary"])).key == "PROJ1-1"
        assert client.transport.calls["retries"] > 0


async def test_timeouts_are_retried_for_reads_but_never_for_creates(
    contract: OpenApiContract,
) -> None:
    faults = Faults(seed=1, timeout_rate=1.0, timeout_hold=1.0)
    async with site_and_client(contract, wait=0.2, faults=faults) as (site, client):
        with pytest.raises(JiraUnavailable):
            await client.create_issue(issue_fields("only once"))
        assert client.transport.calls["POST"] == 1
        with pytest.raises(JiraUnavailable):
            await client.get_issue("PROJ1-1")
        assert client.transport.calls["GET"] == FAST.attempts
        assert len(site.emulator.issues) == 1  # the create happened: the applier must reconcile


async def test_wrong_credentials_are_permanent(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (site, _):
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("wrong"))
        async with open_client(auth, FAST) as client:
            with pytest.raises(Unauthorized):
                await client.myself()


def puts(site: RunningSite) -> list[int]:
    return [call.status for call in site.emulator.calls if call.method == "PUT"]


async def test_a_plain_user_account_edits_without_the_notify_flag(
    contract: OpenApiContract,
) -> None:
    """JIRA refuses notifyUsers=false (403, nothing applied) to an account that is neither
    site nor project admin: the client asks once and edits without the flag."""
    async with site_and_client(contract) as (site, client):
        assert await client.may_discard_notifications("PROJ1") is False
        key = (await client.create_issue(issue_fields("Loud"))).key
        await client.edit_issue(key, fields={"summary": "Still loud"})
        assert site.emulator.issues[key].fields["summary"] == "Still loud"
        assert puts(site) == [204]
        assert [n.event for n in site.emulator.notifications][-1] == "jira:issue_updated"


async def test_without_asking_first_the_403_falls_back_once(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (site, client):
        key = (await client.create_issue(issue_fields("Loud"))).key
        await client.edit_issue(key, fields={"summary": "One"})
        await client.edit_issue(key, fields={"summary": "Two"})
        assert site.emulator.issues[key].fields["summary"] == "Two"
        assert puts(site) == [403, 204, 204]  # refused once, then never asked again
        assert client.quiet == {"PROJ1": False}


@pytest.mark.parametrize("role", ["project-admin", "site-admin"])
async def test_an_admin_account_edits_quietly(contract: OpenApiContract, role: str) -> None:
    async with site_and_client(contract, integration_role=role) as (site, client):
        assert await client.may_discard_notifications("PROJ1") is True
        key = (await client.create_issue(issue_fields("Quiet"))).key
        sent = len(site.emulator.notifications)
        await client.edit_issue(key, fields={"summary": "Still quiet"})
        assert site.emulator.issues[key].fields["summary"] == "Still quiet"
        assert puts(site) == [204]
        assert len(site.emulator.notifications) == sent  # the flag was sent and honoured
        await client.edit_issue(key, fields={"summary": "Loud"}, notify=True)
        assert len(site.emulator.notifications) == sent + 1


async def test_another_403_on_an_edit_is_not_swallowed(contract: OpenApiContract) -> None:
    async with site_and_client(contract) as (_, client):
        key = (await client.create_issue(issue_fields("Work"))).key
        error = Forbidden("PUT", f"/rest/api/3/issue/{key}", 403, ["You do not have permission."])

        async def refuse(*args: object, **kwargs: object) -> None:
            raise error

        client.request = refuse  # type: ignore[assignment]
        with pytest.raises(Forbidden):
            await client.edit_issue(key, fields={"summary": "x"})
        assert client.quiet == {}
