"""The status walk of the sync engine against the emulator's workflows, over HTTP."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from sandbox import SiteConfig, serve_emulator
from sandbox.contract import OpenApiContract
from streams.jira.errors import BadRequest
from streams.jira.sites import open_client
from streams.jira.transport import SiteAuth
from streams.sync.fields import FieldMaps
from streams.sync.screens import ScreenFill
from streams.sync.transitions import MovedSince, Unreachable, Walked, WorkflowGraph, reach, walk
from tests.infra import OPENAPI_SPEC

CONTRACT = OpenApiContract(OPENAPI_SPEC)


async def test_strict_workflow_is_walked_through_in_progress_and_learned() -> None:
    config = SiteConfig(project_key="PROJ1", workflow="strict", contract=CONTRACT)
    async with serve_emulator(config) as site:
        first, second = site.emulator.seed_issues(2)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            graph = WorkflowGraph()
            fill = ScreenFill(1, "Won't Do", FieldMaps())
            assert await reach(client, first, "Done", graph, fill=fill) == 2
            assert site.emulator.issues[first].fields["status"]["name"] == "Done"
            assert site.emulator.issues[first].fields["resolution"]["name"] == "Won't Do"
            explored = dict(client.transport.calls)
            assert await reach(client, second, "done", graph, fill=fill) == 2
            assert site.emulator.issues[second].fields["status"]["name"] == "Done"
            assert client.transport.calls["POST"] - explored["POST"] == 2
            assert await reach(client, second, "Done", graph) == 0
        assert site.emulator.contract_violations == []


async def test_a_required_resolution_is_never_made_up() -> None:
    """Without values for the screen, JIRA refuses the transition: no "Done" invented."""
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        (key,) = site.emulator.seed_issues(1)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            with pytest.raises(BadRequest, match="Resolution is required"):
                await reach(client, key, "Done", WorkflowGraph())
        assert site.emulator.issues[key].fields["status"]["name"] == "To Do"
        assert site.emulator.issues[key].fields["resolution"] is None


async def test_an_unknown_status_is_unreachable() -> None:
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        (key,) = site.emulator.seed_issues(1)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            with pytest.raises(Unreachable, match="'Shipped'"):
                await reach(client, key, "Shipped", WorkflowGraph())
        assert site.emulator.contract_violations == []


async def test_a_move_is_asked_for_only_when_one_is_due_and_a_no_stops_it() -> None:
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        (key,) = site.emulator.seed_issues(1)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            asked: list[str] = []

            async def refuse() -> bool:
                asked.append(key)
                return False

            graph = WorkflowGraph()
            assert await reach(client, key, "To Do", graph, may_move=refuse) == 0
            assert asked == []  # already there: nothing to ask (and no read behind it)
            assert await reach(client, key, "Done", graph, may_move=refuse) == 0
            assert asked == [key]
            assert client.transport.calls["POST"] == 0
            assert site.emulator.issues[key].fields["status"]["name"] == "To Do"
        assert site.emulator.contract_violations == []


async def test_a_learned_transition_from_the_known_status_is_posted_without_listing() -> None:
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        first, second = site.emulator.seed_issues(2)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            graph = WorkflowGraph()
            assert await reach(client, first, "In Progress", graph) == 1
            learned = dict(client.transport.calls)
            assert await reach(client, second, "In Progress", graph, believed="To Do") == 1
            assert site.emulator.issues[second].fields["status"]["name"] == "In Progress"
            calls = client.transport.calls
            spent = {m: n - learned.get(m, 0) for m, n in calls.items() if n > learned.get(m, 0)}
            assert spent == {"POST": 1}  # no status read, no transitions listed
        assert site.emulator.contract_violations == []


async def test_a_refused_learned_transition_finding_the_issue_moved_posts_nothing_more() -> None:
    """The start given is stale (someone moved the issue meanwhile): JIRA refuses the
    learned transition, the status is read, and the walk stops there (``MovedSince``):
    walking on from where they put it would overwrite their move unseen."""
    config = SiteConfig(project_key="PROJ1", workflow="strict", contract=CONTRACT)
    async with serve_emulator(config) as site:
        first, second = site.emulator.seed_issues(2)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            graph = WorkflowGraph()
            fill = ScreenFill(1, "Won't Do", FieldMaps())
            assert await reach(client, first, "Done", graph, fill=fill) == 2
            assert await reach(client, second, "In Progress", graph) == 1
            # ``second`` is in In Progress now; told it is in To Do, the walk to Done asks
            # for To Do's learned exit first, which JIRA refuses there.
            posts = client.transport.calls["POST"]
            with pytest.raises(MovedSince) as moved:
                await reach(client, second, "Done", graph, fill=fill, believed="To Do")
            assert moved.value.current == "In Progress"
            assert client.transport.calls["POST"] == posts + 1  # the refused one only
            assert site.emulator.issues[second].fields["status"]["name"] == "In Progress"
            # what was learned from To Do is still To Do's: the refusal taught nothing wrong
            assert graph.known("To Do", "In Progress") is not None
            # where it is believed to be, a refused exit is walked around as before
            assert await reach(client, second, "Done", graph, fill=fill, believed="In Progress")
        assert site.emulator.contract_violations == []


async def test_one_transition_says_the_status_it_left_and_a_walk_does_not() -> None:
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        first, second = site.emulator.seed_issues(2)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            graph = WorkflowGraph()
            assert await walk(client, first, "In Progress", graph) == Walked(1, "To Do")
            learned = await walk(client, second, "In Progress", graph, believed="To Do")
            assert learned == Walked(1, "To Do")
            assert await walk(client, second, "In Progress", graph) == Walked(0)
        assert site.emulator.contract_violations == []


async def test_a_stale_believed_status_with_nothing_learned_is_read_before_listing() -> None:
    """Someone moved the issue to the target since it was read: nothing is posted, and
    the exits listed there are not learned as those of the status it was believed in."""
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        (key,) = site.emulator.seed_issues(1)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            assert await reach(client, key, "In Progress", WorkflowGraph()) == 1
            graph = WorkflowGraph()
            before = client.transport.calls["POST"]
            assert await reach(client, key, "In Progress", graph, believed="To Do") == 0
            assert client.transport.calls["POST"] == before
            assert site.emulator.issues[key].fields["status"]["name"] == "In Progress"
            assert graph.exits == {}
        assert site.emulator.contract_violations == []


async def test_moves_at_once_from_an_unlearned_status_list_its_exits_once() -> None:
    """Pairs move at once: the first walk out of To Do reads its status and exits (one
    Get issue with ``expand=transitions.fields``), the others wait for that read and post
    the learned transition (no listing, no status read each)."""
    async with serve_emulator(SiteConfig(project_key="PROJ1", contract=CONTRACT)) as site:
        keys = site.emulator.seed_issues(6)
        auth = SiteAuth(site.base_url, "sandbox@example.com", SecretStr("sandbox-token"))
        async with open_client(auth) as client:
            graph = WorkflowGraph()
            moves = [walk(client, k, "In Progress", graph, believed="To Do") for k in keys]
            walked = await asyncio.gather(*moves)
            assert walked == [Walked(1, "To Do")] * 6
            calls = [c for c in site.emulator.calls if "/issue/" in c.path]
            shown = sorted(f"{c.method} {c.path.split('/')[-1]}" for c in calls)
            assert shown == sorted([*("POST transitions" for _ in keys), f"GET {keys[0]}"])
            assert graph.listing == {}
            statuses = {site.emulator.issues[k].fields["status"]["name"] for k in keys}
            assert statuses == {"In Progress"}
        assert site.emulator.contract_violations == []
