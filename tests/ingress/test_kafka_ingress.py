"""The ingress on the real broker: every recorded webhook lands on its site's topic."""

from __future__ import annotations

import json

import pytest

from streams.jira.webhooks import parse_webhook
from streams.records import SiteNumber
from streams.topics import Topics
from streams.wire import decode_event
from tests.ingress.conftest import (
    Client,
    api_key,
    consume,
    sample,
    sample_paths,
    signed,
)

pytestmark = pytest.mark.integration


async def test_every_recorded_webhook_is_published_on_its_site_topic_keyed_by_issue(
    client: Client, kafka_bootstrap: str, unique_name: str
) -> None:
    paths = sample_paths()
    assert len(paths) == 64
    expected: dict[int, dict[str, bytes]] = {1: {}, 2: {}}
    for index, path in enumerate(paths):
        site = 1 + index % 2
        body, delivery_id = path.read_bytes(), f"{path.stem}-{index}"
        headers = signed(body, identifier=delivery_id)
        response = await client.post(f"/webhook/jira{site}", data=body, headers=headers)
        assert response.status == 202, (path.name, await response.text())
        expected[site][delivery_id] = str(parse_webhook(body).issue_id).encode()
    topics = Topics(unique_name)
    sites: tuple[SiteNumber, ...] = (1, 2)
    for site in sites:
        records = await consume(kafka_bootstrap, topics.events(site), len(expected[site]))
        envelopes = [(decode_event(r.value, r.headers), r.key) for r in records]
        assert {e.webhook_id: key for e, key in envelopes} == expected[site]
        assert len(envelopes) == len(expected[site])
        assert {e.site for e, _ in envelopes} == {site}


async def test_bad_signatures_are_401_and_never_reach_the_topic(
    client: Client, kafka_bootstrap: str, unique_name: str
) -> None:
    body = sample()
    wrong = await client.post("/webhook/jira1", data=body, headers=signed(body, "wrong", "bad-1"))
    missing = await client.post(
        "/webhook/jira1", data=body, headers={"X-Atlassian-Webhook-Identifier": "bad-2"}
    )
    assert (wrong.status, missing.status) == (401, 401)
    sentinel = await client.post(
        "/webhook/jira1", data=body, headers=signed(body, identifier="good")
    )
    assert sentinel.status == 202
    records = await consume(kafka_bootstrap, Topics(unique_name).events(1), 1)
    assert [decode_event(r.value, r.headers).webhook_id for r in records] == ["good"]


async def test_a_webhook_larger_than_kafkas_default_limit_is_published(
    client: Client, kafka_bootstrap: str, unique_name: str
) -> None:
    document = json.loads(sample())
    document["issue"]["fields"]["description"] = "x" * (3 * 1024 * 1024)
    body = json.dumps(document).encode()
    response = await client.post(
        "/webhook/jira2", data=body, headers=signed(body, identifier="big")
    )
    assert response.status == 202
    [record] = await consume(kafka_bootstrap, Topics(unique_name).events(2), 1, linger=0)
    assert decode_event(record.value, record.headers).payload == document


async def test_a_manual_sync_command_is_on_the_command_topic(
    client: Client, kafka_bootstrap: str, unique_name: str
) -> None:
    seed = {"issue_key": "PROJ1-123", "source_instance": 1}
    response = await client.post("/manual-sync", json=seed, headers=api_key())
    assert response.status == 202
    command_id = (await response.json())["command_id"]
    [record] = await consume(kafka_bootstrap, Topics(unique_name).commands, 1, linger=0)
    assert record.key == b"PROJ1-123"
    assert json.loads(record.value) | seed == json.loads(record.value)
    assert json.loads(record.value)["command_id"] == command_id
