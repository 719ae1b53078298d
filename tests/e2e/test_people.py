"""People through the real pipeline (ingress, Kafka, worker process, two emulated sites over
HTTP): where the sync account holds Modify Reporter (a project admin on site 2), a
counterpart gets its origin's reporter; where it does not (a plain user on site 1, JIRA's
strict default; the permission is asked once at start), the create does not carry the
field JIRA would refuse, an attribution comment names the reporter, and that comment never
comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Issue
from sandbox.users import ALICE, BOB

pytestmark = pytest.mark.integration

ROLES: dict[int, dict[str, Any]] = {2: {"integration_role": "project-admin"}}


def reporter(issue: Issue) -> str | None:
    person = issue.fields.get("reporter")
    return str(person["accountId"]) if isinstance(person, dict) else None


def comment_texts(issue: Issue) -> list[str]:
    def text(node: Any) -> str:
        if isinstance(node, dict):
            return str(node.get("text", "")) + "".join(text(c) for c in node.get("content", []))
        return ""

    return [text(c.body) for c in issue.comments]


async def test_the_reporter_is_set_where_the_sync_may_and_named_where_it_may_not(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"SYNC_REPORTER_ATTRIBUTION": "true"}  # the worker's default; the harness's is off
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=ROLES, env=env) as p:
        await p.create(1, "Reported by Alice")
        await p.eventually(lambda: p.find(2, "Reported by Alice") is not None)
        origin_key = await p.create(2, "Reported by Bob")
        await p.eventually(lambda: p.find(1, "Reported by Bob") is not None)
        await p.quiet()

        copied = p.find(2, "Reported by Alice")
        assert copied is not None
        assert reporter(copied) == ALICE  # Modify Reporter: the person, not the sync account
        assert comment_texts(copied) == []

        named = p.find(1, "Reported by Bob")
        assert named is not None
        sync_account = p.sites[1].emulator.config.integration_account_id
        assert reporter(named) == sync_account  # JIRA refused the field: the sync's own
        assert comment_texts(named) == [
            f"Bob Private reported this as {origin_key} (site 2). [jira-sync]"
        ]
        origin = p.issues(2)[origin_key]
        assert reporter(origin) == BOB
        assert origin.comments == []  # the attribution is the sync's: it never comes back
        states = (await p.pair_states()).values()
        assert not any(s.get("failure") for s in states)
        creates = [
            c.status
            for c in p.sites[1].emulator.calls
            if c.email == SYNC_ACCOUNT and c.method == "POST" and c.path == "/rest/api/3/issue"
        ]
        assert creates == [201]  # Modify Reporter asked at start: never a refused reporter
        paths = {f"/rest/api/3/issue/{named.key}", f"/rest/api/3/issue/{named.id}"}
        edits = [
            c
            for c in p.sites[1].emulator.calls
            if c.email == SYNC_ACCOUNT and c.method == "PUT" and c.path in paths
        ]
        assert edits == []  # nor asked by an edit afterwards
