"""Notification emails through the real pipeline: the sync account is project admin on
site 1 and a plain user on site 2 (as in ``jira-sync up``). JIRA refuses
``notifyUsers=false`` to a plain user (403, edit not applied): the worker asks
``mypermissions`` at start, edits site 2 without the flag, and every edit still syncs."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox import SiteConfig

pytestmark = pytest.mark.integration

SYNC_ID = SiteConfig().integration_account_id


def by_sync(p: Pipeline, site: int) -> int:
    """Notification emails the sync's own changes made on ``site``."""
    return sum(1 for n in p.sites[site].emulator.notifications if n.actor == SYNC_ID)


def refused(p: Pipeline, site: int) -> int:
    calls = p.sites[site].emulator.calls
    return sum(1 for c in calls if c.email == SYNC_ACCOUNT and c.status == 403)


async def test_edits_sync_quietly_where_admin_and_with_notifications_where_not(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    options = {1: {"integration_role": "project-admin"}, 2: {"integration_role": "user"}}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=options) as p:
        key1 = await p.create(1, "Quiet or loud")
        await p.eventually(lambda: p.find(2, "Quiet or loud") is not None)
        twin = p.find(2, "Quiet or loud")
        assert twin is not None
        await p.quiet()
        sent = (by_sync(p, 1), by_sync(p, 2))

        await p.edit(1, key1, summary="Edited on site 1")
        await p.eventually(lambda: twin.fields["summary"] == "Edited on site 1")
        await p.edit(2, twin.key, summary="Edited on site 2")
        mine = p.issues(1)[key1]
        await p.eventually(lambda: mine.fields["summary"] == "Edited on site 2")
        await p.quiet()

        assert by_sync(p, 1) == sent[0], "the project admin's edit notified the watchers"
        assert by_sync(p, 2) == sent[1] + 1, "the plain user's edit was not made with emails"
        assert (refused(p, 1), refused(p, 2)) == (0, 0)  # asked at start: no 403 to fall back on
        assert len(p.issues(1)) == len(p.issues(2)) == 1
