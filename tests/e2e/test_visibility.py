"""What the sync may not see, and what it may not show, through the real pipeline (ingress,
Kafka, worker process, two emulated sites over HTTP).

- An issue hidden from the sync account by a security level answers 404 like a deleted
  one: under ``DELETION_POLICY=delete`` its counterpart stays untouched; only the deletion
  event, confirmed by a fresh 404, applies the policy.
- An issue with a security level is never copied unless the mapping file maps the level;
  a paired issue that gains a level stops syncing, and the pair says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from sandbox import SiteConfig
from sandbox.security import INTERNAL

pytestmark = pytest.mark.integration
SYNC_ACCOUNT_ID = SiteConfig().integration_account_id


async def pair_of(p: Pipeline, site: int, key: str) -> dict[str, Any] | None:
    states = await p.pair_states()
    side = f"site{site}"
    return next((s for s in states.values() if (s.get(side) or {}).get("key") == key), None)


async def status_of(p: Pipeline, site: int, key: str) -> str | None:
    state = await pair_of(p, site, key)
    return None if state is None else str(state["status"])


async def test_an_issue_hidden_by_a_security_level_leaves_its_counterpart_untouched(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"DELETION_POLICY": "delete"}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        # With no security_levels map, an issue with a level (visible to the sync) stays home.
        minutes = await p.create(1, "Board minutes", security={"name": "Partner visible"})
        key1 = await p.create(1, "Quarterly numbers")
        await p.eventually(lambda: p.find(2, "Quarterly numbers") is not None)
        twin = p.find(2, "Quarterly numbers")
        assert twin is not None
        key2 = twin.key
        await p.eventually(lambda: _status_is(p, 1, minutes, "skipped"))
        await p.quiet()
        assert p.find(2, "Board minutes") is None

        # Alice restricts the issue to her own staff: the sync account no longer sees it.
        await p.edit(1, key1, security={"id": INTERNAL})
        await p.edit(2, key2, summary="Quarterly numbers (partner notes)")  # reads site 1: 404
        await p.eventually(lambda: _said_unreachable(p, key2))
        await p.quiet()
        assert key2 in p.issues(2)  # not deleted, not unlinked
        assert "jira-sync.link" in p.issues(2)[key2].properties
        assert p.issues(2)[key2].fields["summary"] == "Quarterly numbers (partner notes)"
        assert p.issues(1)[key1].fields["summary"] == "Quarterly numbers"
        state = await pair_of(p, 2, key2)
        assert state is not None
        assert any("answers 404" in w["message"] for w in state["warnings"])

        # Lifted again: the pair resumes and the partner's edit arrives.
        await p.edit(1, key1, security=None)
        mine = p.issues(1)[key1]
        await p.eventually(lambda: mine.fields["summary"] == "Quarterly numbers (partner notes)")
        await p.eventually(lambda: _status_is(p, 2, key2, "synced"))

        # A real deletion (event + fresh 404) still applies the policy.
        await p.call(1, "DELETE", f"/rest/api/3/issue/{key1}")
        await p.eventually(lambda: key2 not in p.issues(2))
        assert await status_of(p, 2, key2) == "orphaned"


async def _said_unreachable(p: Pipeline, key2: str) -> bool:
    return await status_of(p, 2, key2) == "unreachable"


async def _status_is(p: Pipeline, site: int, key: str, status: str) -> bool:
    return await status_of(p, site, key) == status


MAPPING = 'security_levels: {"Partner visible": "Partner visible"}\n'


async def test_security_levels_stay_home_unless_mapped(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, env=env) as p:
        # The sync account may read "Internal staff" issues here: seen, but never shown.
        p.sites[1].emulator.site.security.members[INTERNAL].add(SYNC_ACCOUNT_ID)
        secret = await p.create(1, "Layoff plan", security={"name": "Internal staff"})
        shared = await p.create(1, "Joint roadmap", security={"name": "Partner visible"})
        plain = await p.create(1, "Plain issue")
        await p.eventually(lambda: p.find(2, "Joint roadmap") is not None)
        await p.eventually(lambda: p.find(2, "Plain issue") is not None)
        await p.eventually(lambda: _status_is(p, 1, secret, "skipped"))
        await p.quiet()
        assert p.find(2, "Layoff plan") is None  # never copied
        copy = p.find(2, "Joint roadmap")
        assert copy is not None
        assert copy.fields["security"]["name"] == "Partner visible"  # the mapped level
        state = await pair_of(p, 1, secret)
        assert state is not None
        [warning] = state["warnings"]
        assert "has security level 'Internal staff'" in warning["message"]
        assert shared in p.issues(1)

        # A paired issue gains an unmapped level: it stops syncing, and the pair says so.
        twin = p.find(2, "Plain issue")
        assert twin is not None
        await p.edit(1, plain, security={"name": "Internal staff"}, summary="Plain, now internal")
        await p.eventually(lambda: _status_is(p, 1, plain, "skipped"))
        await p.edit(2, twin.key, labels=["partner"])
        await p.quiet()
        assert twin.fields["summary"] == "Plain issue"  # nothing went out
        assert twin.fields["security"] is None  # the unmapped level never written there
        assert p.issues(1)[plain].fields["labels"] == []  # nor in, while it is paused
        state = await pair_of(p, 1, plain)
        assert state is not None
        assert state["status"] == "skipped"
        assert any("Internal staff" in w["message"] for w in state["warnings"])
