"""Service-desk internal notes through the real pipeline (ingress, Kafka, worker process, two
emulated service-desk sites over HTTP): an internal note on site 1 never appears on site 2;
public comments are copied both ways and written there as internal notes (the partner's
words are for the agents, not the desk's customers); a copied comment made internal later
loses its copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from streams.jira.adf import text_to_adf

pytestmark = pytest.mark.integration

DESKS = {1: {"project_type": "service_desk"}, 2: {"project_type": "service_desk"}}
INTERNAL = [{"key": "sd.public.comment", "value": {"internal": True}}]


async def comment(p: Pipeline, site: int, key: str, text: str, **extra: Any) -> str:
    body = {"body": text_to_adf(text), **extra}
    made = await p.call(site, "POST", f"/rest/api/3/issue/{key}/comment", body)
    return str(made["id"])


def comments(p: Pipeline, site: int, key: str) -> list[tuple[str, bool]]:
    """(body, public) of the issue's comments."""
    issue_id = p.issues(site)[key].id
    found = p.sites[site].emulator.comments.values()
    return [(str(c.body), c.jsd_public) for c in found if c.issue_id == issue_id]


def has(p: Pipeline, site: int, key: str, text: str) -> bool:
    return any(text in body for body, _ in comments(p, site, key))


def public_of(p: Pipeline, site: int, key: str, text: str) -> list[bool]:
    return [public for body, public in comments(p, site, key) if text in body]


async def test_an_internal_note_never_reaches_the_other_site(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, site_options=DESKS) as p:
        key1 = await p.create(1, "Printer on fire")
        await p.eventually(lambda: p.find(2, "Printer on fire") is not None)
        twin = p.find(2, "Printer on fire")
        assert twin is not None
        key2 = twin.key

        await comment(p, 1, key1, "Margin 40%, do not tell them", properties=INTERNAL)
        shared = await comment(p, 1, key1, "Technician booked")
        await p.eventually(lambda: has(p, 2, key2, "Technician booked"))
        await comment(p, 2, key2, "Vendor on the way")
        await p.eventually(lambda: has(p, 1, key1, "Vendor on the way"))
        await p.quiet()
        assert not has(p, 2, key2, "Margin")
        # copies are written into a service desk as internal notes; originals stay public
        assert public_of(p, 2, key2, "Technician booked") == [False]
        assert public_of(p, 1, key1, "Vendor on the way") == [False]
        assert public_of(p, 2, key2, "Vendor on the way") == [True]
        assert public_of(p, 1, key1, "Technician booked") == [True]

        # The shared comment becomes an internal note: its copy is removed.
        body = {"body": text_to_adf("Technician booked"), "properties": INTERNAL}
        await p.call(1, "PUT", f"/rest/api/3/issue/{key1}/comment/{shared}", body)
        await p.eventually(lambda: not has(p, 2, key2, "Technician booked"))
        await p.quiet()
        assert not has(p, 2, key2, "Margin")
        assert has(p, 1, key1, "Vendor on the way")
