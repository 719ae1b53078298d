"""A person's edit that lands on the target between the sync's read and its write (JIRA has
no conditional write, so the write overwrites it) is never lost silently: the write's echo
names the value it overwrote (its changelog ``from``), which is put back and merged as a
change of both sides (``streams.sync.overwrites``). Through the real pipeline: ingress,
Kafka, the worker process, two emulated sites; the edit is made by the emulator right
before the sync's PUT is handled (``Emulator.races``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import HUMANS, SYNC_ACCOUNT
from sandbox.config import Faults
from streams.jira.adf import adf_to_text, text_to_adf

pytestmark = pytest.mark.integration


def race(p: Pipeline, site: int, key: str, summary: str) -> None:
    """``summary`` set on ``key`` by a person just before the sync's next write of it."""
    emulator = p.sites[site].emulator
    [person] = [u for u in emulator.users.all() if u.email == f"{HUMANS[site]}@example.com"]

    def edit() -> None:
        issue = emulator.site.find(key)
        emulator.site.edit(person, issue, {"fields": {"summary": summary}})

    emulator.races[key] = edit


async def synced_pair(p: Pipeline) -> tuple[str, str]:
    key = await p.create(1, "Printer on fire")
    await p.eventually(lambda: p.twin(2, key) is not None)
    await p.quiet()
    twin = p.twin(2, key)
    assert twin is not None
    return key, str(twin.key)


def summary(p: Pipeline, site: int, key: str) -> str:
    return str(p.issues(site)[key].fields["summary"])


async def test_an_overwritten_edit_is_put_back_and_becomes_a_conflict(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        key, twin = await synced_pair(p)
        race(p, 2, twin, "Bob's words")
        await p.edit(1, key, summary="Alice's words")
        await p.eventually(lambda: twin not in p.sites[2].emulator.races)  # the race ran

        async def conflicted() -> bool:
            states = await p.pair_states()
            return any(s["conflicts"] for s in states.values())

        await p.eventually(conflicted)
        await p.quiet()
        assert summary(p, 1, key) == "Alice's words"
        assert summary(p, 2, twin) == "Bob's words"  # put back: not lost
        [state] = (await p.pair_states()).values()
        assert state["status"] == "conflicted"
        conflict = state["conflicts"]["summary"]
        assert (conflict["base"], conflict["site1"], conflict["site2"]) == (
            "Printer on fire",
            "Alice's words",
            "Bob's words",
        )
        assert [w["code"] for w in state["warnings"]] == ["edit-overwritten"]
        assert await p.dead_letters() == []


async def test_under_latest_the_later_overwritten_edit_wins_on_both_sides(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"CONFLICT_POLICY": "latest"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key, twin = await synced_pair(p)
        race(p, 2, twin, "Bob's words")
        await p.edit(1, key, summary="Alice's words")
        await p.eventually(lambda: summary(p, 1, key) == "Bob's words")
        await p.quiet()
        assert summary(p, 2, twin) == "Bob's words"
        assert await p.unsettled() == {}


def sync_calls(p: Pipeline, site: int) -> list[str]:
    calls = p.sites[site].emulator.calls
    return [f"{c.method} {c.path}" for c in calls if c.email == SYNC_ACCOUNT]


async def test_trusting_agreed_values_an_edit_is_one_write_and_a_clash_is_put_back(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """``SYNC_TRUST_AGREED_VALUES``: the other side is taken to hold the agreed values, so
    an edit costs one call; a person's edit there whose webhook is late is overwritten, and
    the echo puts it back: a conflict, nothing lost."""
    env = {"SYNC_TRUST_AGREED_VALUES": "true"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key, twin = await synced_pair(p)
        before = (len(sync_calls(p, 1)), len(sync_calls(p, 2)))
        await p.edit(1, key, summary="Alice's words")
        await p.eventually(lambda: summary(p, 2, twin) == "Alice's words")
        await p.quiet()
        assert sync_calls(p, 1)[before[0] :] == []
        assert sync_calls(p, 2)[before[1] :] == [f"PUT /rest/api/3/issue/{twin}"]

        p.sites[2].emulator.faults = Faults(webhook_delay=3.0)  # Bob's webhook comes late
        await p.edit(2, twin, priority={"name": "Low"})
        await p.edit(1, key, priority={"name": "Highest"})

        async def conflicted() -> bool:
            states = await p.pair_states()
            return any(s["conflicts"] for s in states.values())

        await p.eventually(conflicted)
        await p.quiet(still=6)
        priorities = [p.issues(s)[k].fields["priority"]["name"] for s, k in ((1, key), (2, twin))]
        assert priorities == ["Highest", "Low"]  # Bob's put back
        [state] = (await p.pair_states()).values()
        assert set(state["conflicts"]) == {"priority"}
        assert await p.dead_letters() == []


def status(p: Pipeline, site: int, key: str) -> str:
    return str(p.issues(site)[key].fields["status"]["name"])


async def conflicted_on_status(p: Pipeline, key: str) -> bool:
    states = await p.pair_states()
    return any("status" in s["conflicts"] and key in str(s) for s in states.values())


async def test_trusting_agreed_values_a_move_is_one_post_and_a_clash_is_never_lost(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """Trusted, the target is taken to be in the agreed status and the transition learned
    from there is posted: one call. A person's move there whose webhook is late is caught
    either way: by the echo's changelog ``from`` when JIRA took the transition from their
    status (put back, a conflict), or, when JIRA refused it there, by the status read that
    follows the refusal (not walked on from their status: a conflict)."""
    env = {"SYNC_TRUST_AGREED_VALUES": "true"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        warm, key, other = [await synced_pair(p) for _ in range(3)]
        await p.transition(1, warm[0], "In Progress")  # site 2's exits of To Do learned
        await p.eventually(lambda: status(p, 2, warm[1]) == "In Progress")
        await p.quiet()
        before = (len(sync_calls(p, 1)), len(sync_calls(p, 2)))
        await p.transition(1, key[0], "In Progress")
        await p.eventually(lambda: status(p, 2, key[1]) == "In Progress")
        await p.quiet()
        assert sync_calls(p, 1)[before[0] :] == []
        assert sync_calls(p, 2)[before[1] :] == [f"POST /rest/api/3/issue/{key[1]}/transitions"]

        p.sites[2].emulator.faults = Faults(webhook_delay=3.0)  # Bob's webhooks come late
        # nothing is learned out of In Progress: the status read finds Bob's move first
        await p.transition(2, key[1], "In Review")
        await p.transition(1, key[0], "To Do")
        await p.eventually(lambda: conflicted_on_status(p, key[0]))
        # the learned To Do exit is global in this workflow: JIRA takes it from Bob's status
        await p.transition(2, other[1], "In Review")
        await p.transition(1, other[0], "In Progress")
        await p.eventually(lambda: conflicted_on_status(p, other[0]))
        await p.quiet(still=6)
        assert [status(p, 1, other[0]), status(p, 2, other[1])] == ["In Progress", "In Review"]
        assert [status(p, 1, key[0]), status(p, 2, key[1])] == ["To Do", "In Review"]
        states = {s["site1"]["key"]: s for s in (await p.pair_states()).values()}
        codes = {k: [w["code"] for w in states[k]["warnings"]] for k in (other[0], key[0])}
        assert codes == {other[0]: ["edit-overwritten"], key[0]: ["status-moved-since"]}
        assert await p.dead_letters() == []


async def test_an_echo_that_never_comes_is_read_from_the_changelog_by_the_sweep(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """JIRA drops the webhooks of site 2 (Bob's edit and the echo of the sync's write over
    it): a sweep interval later the sync reads the issue's changelog once in the echo's
    place, finds Bob's value overwritten, puts it back: a conflict, nothing lost."""
    env = {"SYNC_TRUST_AGREED_VALUES": "true", "SYNC_RETRY_INTERVAL_SECONDS": "2"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key, twin = await synced_pair(p)
        p.sites[2].emulator.faults = Faults(webhook_drop_rate=1.0)
        await p.edit(2, twin, priority={"name": "Low"})
        await p.edit(1, key, priority={"name": "Highest"})

        async def conflicted() -> bool:
            states = await p.pair_states()
            return any(s["conflicts"] for s in states.values())

        await p.eventually(conflicted)
        await p.quiet(still=4)
        priorities = [p.issues(s)[k].fields["priority"]["name"] for s, k in ((1, key), (2, twin))]
        assert priorities == ["Highest", "Low"]  # Bob's put back
        assert f"GET /rest/api/3/issue/{twin}/changelog" in sync_calls(p, 2)
        [state] = (await p.pair_states()).values()
        assert set(state["conflicts"]) == {"priority"}
        assert [w["code"] for w in state["warnings"]] == ["edit-overwritten"]
        assert state["believed"] == {}
        assert await p.dead_letters() == []


def text(p: Pipeline, site: int, key: str) -> str:
    return str(adf_to_text(p.issues(site)[key].fields["description"]))


async def test_trusting_agreed_values_a_plain_description_is_one_write_and_a_clash_is_put_back(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """A new description of plain words is taken from the webhook (its wiki text can only
    mean those paragraphs) and written on trust: one call. The echo's wiki text says what
    the field held before: Bob's late edit there is put back, a conflict."""
    env = {"SYNC_TRUST_AGREED_VALUES": "true"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        key, twin = await synced_pair(p)
        before = (len(sync_calls(p, 1)), len(sync_calls(p, 2)))
        await p.edit(1, key, summary="Both", description=text_to_adf("Alice's first words."))
        await p.eventually(lambda: text(p, 2, twin) == "Alice's first words.")
        await p.quiet()
        assert sync_calls(p, 1)[before[0] :] == []
        assert sync_calls(p, 2)[before[1] :] == [f"PUT /rest/api/3/issue/{twin}"]

        p.sites[2].emulator.faults = Faults(webhook_delay=3.0)  # Bob's webhook comes late
        await p.edit(2, twin, description=text_to_adf("Bob's *own* words"))
        await p.edit(1, key, description=text_to_adf("Alice's second words"))

        async def conflicted() -> bool:
            states = await p.pair_states()
            return any(s["conflicts"] for s in states.values())

        await p.eventually(conflicted)
        await p.quiet(still=6)
        assert text(p, 1, key) == "Alice's second words"
        assert text(p, 2, twin).startswith("Bob's")  # put back (his markup read back)
        assert text(p, 2, twin).endswith("words")
        [state] = (await p.pair_states()).values()
        assert set(state["conflicts"]) == {"description"}
        assert await p.dead_letters() == []
