"""Issue 16, item 5: a link marker copied or forged by a human never takes over a pair.

Real ingress, Kafka and worker processes, two emulated sites over HTTP. Any user who can
edit an issue can set its properties, the sync's ``jira-sync.link`` marker included
(https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/), in the
create call or with ``PUT /rest/api/3/issue/{key}/properties/{propertyKey}``.

A person's new issue with no rich text, or only plain paragraphs, is not read at all (its
own pair: only the sync's account makes counterparts), so its marker is never looked at;
one with formatted text is read, and its marker refused with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import HUMANS
from sandbox.config import Faults
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration

LINK = "jira-sync.link"


async def forge(p: Pipeline, summary: str, marker: dict[str, Any]) -> str:
    """A human's issue on site 2 created with ``marker`` in the create call."""
    body = {
        "fields": {
            "project": {"key": "PROJ2"},
            "issuetype": {"name": "Task"},
            "summary": summary,
            "description": text_to_adf(f"*{summary}*, written by the forger"),  # read
        },
        "properties": [{"key": LINK, "value": marker}],
    }
    return str((await p.call(2, "POST", "/rest/api/3/issue", body))["key"])


def refused(states: dict[str, dict[str, Any]], site: int, issue_id: str) -> list[str]:
    """The marker warnings of the pair the issue started."""
    state = states.get(f"{site}:{issue_id}") or {}
    return [w["message"] for w in state.get("warnings", []) if w["code"] == "marker-refused"]


def comments_on(p: Pipeline, site: int, key: str) -> list[str]:
    issue_id = p.issues(site)[key].id
    return [str(c.body) for c in p.sites[site].emulator.comments.values() if c.issue_id == issue_id]


async def test_a_copied_marker_makes_a_new_pair_and_leaves_the_victim_alone(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        victim = await p.create(1, "Victim", description=text_to_adf("The original text"))
        await p.eventually(lambda: p.twin(2, victim) is not None)
        await p.quiet()
        twin = p.twin(2, victim)
        assert twin is not None
        before = dict(p.issues(1)[victim].fields)
        marker = dict(twin.properties[LINK])

        by_create = await forge(p, "Forged in the create", marker)
        # set with PUT right after the create, before the sync has looked at the issue
        # (its webhook is held back): the route agent reads the copied marker
        p.sites[2].emulator.faults = Faults(webhook_delay=3.0)
        by_put = await p.create(2, "Forged with PUT")
        await p.call(2, "PUT", f"/rest/api/3/issue/{by_put}/properties/{LINK}", marker)
        p.sites[2].emulator.faults = Faults()
        await p.eventually(lambda: p.twin(1, by_create) is not None and p.twin(1, by_put))
        await p.quiet()
        # the forged issues keep changing: none of it reaches the victim
        await p.edit(2, by_create, summary="Forged, edited")
        body = {"body": text_to_adf("A forged comment")}
        await p.call(2, "POST", f"/rest/api/3/issue/{by_create}/comment", body)
        copy = p.twin(1, by_create)
        assert copy is not None
        await p.eventually(lambda: copy.fields["summary"] == "Forged, edited")
        await p.eventually(
            lambda: any("A forged comment" in c for c in comments_on(p, 1, copy.key))
        )
        await p.quiet()

        after = p.issues(1)[victim].fields
        assert after["summary"] == before["summary"] == "Victim"
        assert after["description"] == before["description"]
        assert comments_on(p, 1, victim) == []
        assert p.issues(2)[twin.key].fields["summary"] == "Victim"
        states = await p.pair_states()
        mine = states[f"1:{p.issues(1)[victim].id}"]
        assert mine["site2"]["key"] == twin.key
        assert mine["site1"]["key"] == victim
        [warning] = refused(states, 2, p.issues(2)[by_create].id)
        assert by_create in warning
        assert "copy of the link marker" in warning
        plain = states[f"2:{p.issues(2)[by_put].id}"]  # never read: its own pair, no warning
        assert (plain["site2"]["key"], refused(states, 2, p.issues(2)[by_put].id)) == (by_put, [])
        forged_copy = p.twin(1, by_put)
        assert forged_copy is not None
        assert forged_copy.fields["summary"] == "Forged with PUT"


async def test_a_forged_marker_racing_a_create_recovery_is_not_adopted(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The worker records the create's intent, then dies before the create reaches JIRA
    (site 2 answers nothing but 5xx meanwhile); a human makes an issue carrying the pair's
    id in a marker of their own. The next worker makes the counterpart itself; the forged
    issue starts a pair of its own, with a warning."""
    env = {"SYNC_RETRY_INTERVAL_SECONDS": "2"}
    down = {2: {"faults": Faults(error_rate=1.0)}}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=down, env=env) as p:
        victim = await p.create(1, "Victim", description=text_to_adf("The original text"))
        victim_id = p.issues(1)[victim].id
        pair_id = f"1:{victim_id}"

        async def intent_recorded() -> bool:
            state = (await p.pair_states()).get(pair_id)
            return state is not None and state.get("pending_create") is not None

        await p.eventually(intent_recorded)
        p.kill(p.workers[0])
        assert p.issues(2) == {}  # the create never reached JIRA

        emulator = p.sites[2].emulator
        [bob] = [u for u in emulator.users.all() if u.email == f"{HUMANS[2]}@example.com"]
        claim = {"pair_id": pair_id, "site": 1, "id": victim_id, "key": victim}  # no mac
        body = {
            "fields": {"project": {"key": "PROJ2"}, "issuetype": {"name": "Task"}},
            "properties": [{"key": LINK, "value": claim}],
        }
        body["fields"]["summary"] = "Takeover"
        forged = emulator.site.create(bob, body).key  # webhooks fire; no REST (site 2 is down)
        emulator.faults = Faults()
        p.start_worker()

        def counterpart() -> str | None:
            made = [i for i in p.issues(2).values() if i.fields["summary"] == "Victim"]
            return made[0].key if made else None

        await p.eventually(lambda: counterpart() is not None and p.twin(1, forged), within=90)
        await p.quiet()
        states = await p.pair_states()
        mine = states[pair_id]
        assert mine["site2"]["key"] == counterpart() != forged
        assert mine["pending_create"] is None
        assert p.issues(1)[victim].fields["summary"] == "Victim"
        made = p.issues(2)[mine["site2"]["key"]]
        assert made.properties[LINK]["mac"]  # the sync's own, signed
        assert len([i for i in p.issues(2).values() if i.fields["summary"] == "Victim"]) == 1
        own = states[f"2:{p.issues(2)[forged].id}"]  # a person's plain issue: not even read
        assert own["site2"]["key"] == forged
