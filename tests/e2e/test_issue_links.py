"""Issue links through the real pipeline (ingress, Kafka, worker process, two emulated sites
over HTTP whose link types are named differently, as partners' are): a link between two
synced issues made on either side arrives on the other with the mapped type and the same
direction, a link removed on one side is removed on the other, a link to an issue that is
not synced stays out and is listed on the pair, and nothing loops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from harness.sites import SYNC_ACCOUNT
from sandbox.model import Issue

pytestmark = pytest.mark.integration

PARTNER_TYPES = (
    ("Blocker", "is blocked by", "blocks"),
    ("Relates", "relates to", "relates to"),
)
SITES: dict[int, dict[str, Any]] = {2: {"link_types": PARTNER_TYPES}}
LINK = "/rest/api/3/issueLink"


def outward(issue: Issue) -> list[tuple[str, str]]:
    """(type, object key) of the links the issue is the subject of."""
    return sorted(
        (link["type"]["name"], link["outwardIssue"]["key"])
        for link in issue.fields.get("issuelinks") or []
        if "outwardIssue" in link
    )


async def synced(p: Pipeline, summary: str) -> tuple[str, str]:
    await p.eventually(lambda: p.find(1, summary) is not None and p.find(2, summary) is not None)
    one, two = p.find(1, summary), p.find(2, summary)
    assert one is not None
    assert two is not None
    return str(one.key), str(two.key)


def sync_link_calls(p: Pipeline, site: int, method: str) -> int:
    calls = p.sites[site].emulator.calls
    return sum(
        1 for c in calls if c.email == SYNC_ACCOUNT and c.method == method and LINK in c.path
    )


async def test_links_between_synced_issues_follow_both_ways_and_unsynced_ones_stay_out(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('link_types: {"Blocks": "Blocker"}\nfilters: {exclude_labels: [internal]}\n')
    env = {"MAPPING_FILE": str(mapping)}
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=SITES, env=env) as p:
        await p.create(1, "Alpha")
        await p.create(1, "Beta")
        await p.create(2, "Gamma")
        (a1, a2), (b1, b2), (c1, c2) = [await synced(p, s) for s in ("Alpha", "Beta", "Gamma")]
        hidden = await p.create(1, "Internal only", labels=["internal"])

        blocks = {
            "type": {"name": "Blocks"},
            "inwardIssue": {"key": a1},
            "outwardIssue": {"key": b1},
        }
        await p.call(1, "POST", LINK, blocks)  # "Alpha blocks Beta" on site 1
        hides = {
            "type": {"name": "Relates"},
            "inwardIssue": {"key": a1},
            "outwardIssue": {"key": hidden},
        }
        await p.call(1, "POST", LINK, hides)  # to an issue that is not synced
        await p.eventually(lambda: outward(p.issues(2)[a2]) == [("Blocker", b2)])

        relates = {
            "type": {"name": "Relates"},
            "inwardIssue": {"key": c2},
            "outwardIssue": {"key": b2},
        }
        await p.call(2, "POST", LINK, relates)  # "Gamma relates to Beta" on site 2
        await p.eventually(lambda: outward(p.issues(1)[c1]) == [("Relates", b1)])
        await p.quiet()
        assert outward(p.issues(1)[a1]) == [("Blocks", b1), ("Relates", hidden)]
        assert outward(p.issues(2)[c2]) == [("Relates", b2)]
        assert (sync_link_calls(p, 1, "POST"), sync_link_calls(p, 2, "POST")) == (1, 1)
        states = (await p.pair_states()).values()
        listed = [
            w["message"]
            for s in states
            for w in s.get("warnings") or []
            if w["code"] == "link-unsynced"
        ]
        assert len(listed) == 1
        assert hidden in listed[0]

        [made] = [
            link
            for link in p.issues(1)[a1].fields["issuelinks"]
            if link["type"]["name"] == "Blocks"
        ]
        await p.call(1, "DELETE", f"{LINK}/{made['id']}")  # removed where it was made
        await p.eventually(lambda: outward(p.issues(2)[a2]) == [])
        [copy] = p.issues(1)[c1].fields["issuelinks"]
        await p.call(1, "DELETE", f"{LINK}/{copy['id']}")  # a copy removed: so is the original
        await p.eventually(lambda: outward(p.issues(2)[c2]) == [])
        await p.quiet()
        assert outward(p.issues(1)[a1]) == [("Relates", hidden)]
        assert (sync_link_calls(p, 1, "POST"), sync_link_calls(p, 2, "POST")) == (1, 1)
        assert (sync_link_calls(p, 1, "DELETE"), sync_link_calls(p, 2, "DELETE")) == (0, 2)
        failures = [s for s in (await p.pair_states()).values() if s.get("failure")]
        assert failures == []
