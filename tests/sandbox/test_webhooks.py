"""Webhooks to a local receiver: JIRA's shapes, headers, signatures, retries and faults."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import aiohttp
import pytest

from sandbox import Faults, RunningSite, WebhookRetry
from streams.jira.signature import verify
from streams.jira.webhooks import parse_webhook
from tests.sandbox.conftest import Jira, Receiver, StartSite, basic, doc

ISSUE = "/rest/api/3/issue"
SECRET = "It's a Secret to Everybody"
INTEGRATION = "712020:5e1f0c4a-7d1b-4c1e-9a63-5a4d0b5c0001"


async def _hooked(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver, **overrides: Any
) -> tuple[Jira, RunningSite]:
    running = await start_site(webhook_url=receiver.url, webhook_secret=SECRET, **overrides)
    return Jira(session, running.base_url), running


def _events(receiver: Receiver) -> list[dict[str, Any]]:
    """Bodies in the order of the changes (deliveries are concurrent, as JIRA's are)."""
    events = [json.loads(item.body) for item in receiver.received]
    return sorted(events, key=lambda event: (event["timestamp"], event["webhookEvent"]))


async def test_issue_lifecycle_deliveries_parse_and_verify(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, running = await _hooked(start_site, session, receiver)
    key = await jira.create("Hooked", description=doc("Line one\n\nLine two"))
    await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": "Renamed"}})
    resolve = {"transition": {"id": "41"}, "fields": {"resolution": {"name": "Fixed"}}}
    assert (await jira.post(f"{ISSUE}/{key}/transitions", resolve)).status == 204
    await jira.delete(f"{ISSUE}/{key}")
    received = await receiver.wait_for(4)
    for item in received:
        verify(item.body, item.headers["X-Hub-Signature"], SECRET)
        assert item.headers["X-Atlassian-Webhook-Flow"] == "Primary"
        assert "X-Atlassian-Webhook-Retry" not in item.headers
        webhook = parse_webhook(item.body)
        assert webhook.user is not None
        assert webhook.user.account_id == INTEGRATION  # our own writes come back: echo
        assert webhook.user.email_address is None
    identifiers = {item.headers["X-Atlassian-Webhook-Identifier"] for item in received}
    assert len(identifiers) == 4
    created, edited, moved, deleted = _events(receiver)
    assert (created["webhookEvent"], created["issue_event_type_name"]) == (
        "jira:issue_created",
        "issue_created",
    )
    assert created["issue"]["fields"]["description"] == "Line one\n\nLine two"
    assert {i["field"] for i in created["changelog"]["items"]} >= {"summary", "status"}
    assert edited["changelog"]["items"] == [
        {"field": "summary", "fieldtype": "jira", "fieldId": "summary", "from": None,
         "fromString": "Hooked", "to": None, "toString": "Renamed"}
    ]  # fmt: skip
    assert moved["issue_event_type_name"] == "issue_generic"
    assert {i["field"] for i in moved["changelog"]["items"]} == {"resolution", "status"}
    assert moved["issue"]["fields"]["resolution"]["name"] == "Fixed"
    assert deleted["webhookEvent"] == "jira:issue_deleted"
    assert await running.emulator.wait_for_webhooks(1.0)
    assert all(d.state == "delivered" for d in running.emulator.deliveries)


async def test_comment_events_carry_plain_text_and_a_trimmed_issue(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, running = await _hooked(start_site, session, receiver)
    key = await jira.create()
    mention = {"type": "mention", "attrs": {"id": "712020:bob-0002", "text": "@Bob"}}
    body = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Hi "}, mention]}
    ]}  # fmt: skip
    comment = await jira.post(f"{ISSUE}/{key}/comment", {"body": body})
    await jira.put(f"{ISSUE}/{key}/comment/{comment.body['id']}", {"body": doc("Edited")})
    await jira.delete(f"{ISSUE}/{key}/comment/{comment.body['id']}")
    await receiver.wait_for(7)
    events = [(e["webhookEvent"], e.get("issue_event_type_name")) for e in _events(receiver)]
    assert events[1:] == [
        ("comment_created", None), ("jira:issue_updated", "issue_commented"),
        ("comment_updated", None), ("jira:issue_updated", "issue_comment_edited"),
        ("comment_deleted", None), ("jira:issue_updated", "issue_comment_deleted"),
    ]  # fmt: skip
    created = _events(receiver)[1]
    assert created["comment"]["body"] == "Hi [~accountid:712020:bob-0002]"
    assert set(created["issue"]["fields"]) == {
        "summary", "issuetype", "project", "assignee", "priority", "status"
    }  # fmt: skip
    assert "user" not in created
    webhook = parse_webhook(receiver.received[1].body)
    assert webhook.issue_id == running.emulator.issues[key].id


async def test_a_human_edit_names_the_human(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, _ = await _hooked(start_site, session, receiver)
    key = await jira.create()
    alice = basic("alice@example.com", "alice-token")
    await jira.put(f"{ISSUE}/{key}", {"fields": {"labels": ["human"]}}, authorization=alice)
    await receiver.wait_for(2)
    assert _events(receiver)[1]["user"]["displayName"] == "Alice Visible"


async def test_retries_keep_the_identifier_and_count_up(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.statuses = [503, 500]
    jira, running = await _hooked(start_site, session, receiver)
    await jira.create()
    received = await receiver.wait_for(3)
    assert len({r.headers["X-Atlassian-Webhook-Identifier"] for r in received}) == 1
    retries = [r.headers.get("X-Atlassian-Webhook-Retry") for r in received]
    assert retries == [None, "1", "2"]
    assert await running.emulator.wait_for_webhooks(1.0)
    (delivery,) = running.emulator.deliveries
    assert (delivery.state, [a.status for a in delivery.attempts]) == ("delivered", [503, 500, 200])


async def test_other_4xx_is_final(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.statuses = [400]
    jira, running = await _hooked(start_site, session, receiver)
    await jira.create()
    assert await running.emulator.wait_for_webhooks(1.0)
    assert len(receiver.received) == 1
    assert running.emulator.deliveries[0].state == "failed"


async def test_connection_failures_are_retried_then_given_up(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    retry = WebhookRetry(max_retries=2, min_delay=0.01, max_delay=0.01, timeout=0.5)
    running = await start_site(webhook_url="http://127.0.0.1:9/nowhere", webhook_retry=retry)
    await Jira(session, running.base_url).create()
    assert await running.emulator.wait_for_webhooks(3.0)
    (delivery,) = running.emulator.deliveries
    assert delivery.state == "failed"
    assert [a.retry for a in delivery.attempts] == [0, 1, 2]
    assert all(a.error for a in delivery.attempts)


async def test_by_default_a_retry_waits_minutes_as_jira_does(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """JIRA's timing is the default: after a 503 the next attempt is 5-15 minutes away,
    so a second later the delivery has had exactly one attempt and is still pending."""
    receiver.statuses = [503] * 6
    jira, running = await _hooked(start_site, session, receiver, webhook_retry=WebhookRetry())
    await jira.create()
    await receiver.wait_for(1)
    assert not await running.emulator.wait_for_webhooks(1.5)
    (delivery,) = running.emulator.deliveries
    assert [a.status for a in delivery.attempts] == [503]
    assert delivery.state == "sending"


def test_retry_pauses_are_drawn_in_jiras_window_from_the_seeded_generator() -> None:
    retry = WebhookRetry()
    assert (retry.max_retries, retry.min_delay, retry.max_delay) == (5, 300.0, 900.0)
    pauses = [retry.delay(random.Random(7).uniform) for _ in range(2)]  # noqa: S311
    assert pauses[0] == pauses[1]  # the same seed, the same pause
    dice = random.Random(7)  # noqa: S311
    drawn = [retry.delay(dice.uniform) for _ in range(200)]
    assert all(300.0 <= pause <= 900.0 for pause in drawn)
    assert max(drawn) - min(drawn) > 300.0  # spread over the window, not one fixed pause
    fast = WebhookRetry.fast()
    assert (fast.min_delay, fast.max_delay, fast.max_retries) == (1.0, 3.0, 5)
    with pytest.raises(ValueError, match="max_delay"):
        WebhookRetry(min_delay=2.0, max_delay=1.0)


async def test_duplicates_share_the_identifier(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, _ = await _hooked(
        start_site, session, receiver, faults=Faults(webhook_duplicate_rate=1.0)
    )
    await jira.create()
    first, second = await receiver.wait_for(2)
    assert first.body == second.body
    ids = {r.headers["X-Atlassian-Webhook-Identifier"] for r in (first, second)}
    assert len(ids) == 1


async def test_reordering_releases_a_window_shuffled(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    faults = Faults(seed=3, webhook_reorder_window=8)
    jira, _ = await _hooked(start_site, session, receiver, faults=faults)
    keys = [await jira.create(f"Issue {n}") for n in range(8)]
    await receiver.wait_for(8)
    arrived = [json.loads(item.body)["issue"]["key"] for item in receiver.received]
    assert sorted(arrived) == sorted(keys)
    assert arrived != keys


async def test_a_partial_window_is_released_after_the_hold(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    faults = Faults(webhook_reorder_window=10, webhook_hold_seconds=0.05)
    jira, _ = await _hooked(start_site, session, receiver, faults=faults)
    await jira.create()
    assert len(await receiver.wait_for(1, within=1.0)) == 1


async def test_deliveries_never_block_rest(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, _ = await _hooked(start_site, session, receiver, faults=Faults(webhook_delay=0.3))
    began = time.monotonic()
    await jira.create()
    assert time.monotonic() - began < 0.2
    assert receiver.received == []
    await receiver.wait_for(1)
    assert time.monotonic() - began >= 0.3


async def test_drops_and_the_delivery_log(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira, running = await _hooked(
        start_site, session, receiver, faults=Faults(webhook_drop_rate=1.0)
    )
    await jira.create()
    async with session.get(f"{running.base_url}/_emulator/deliveries") as answer:
        log = await answer.json()
    assert [(d["event"], d["state"]) for d in log] == [("jira:issue_created", "dropped")]
    assert receiver.received == []


async def test_webhook_target_and_events_change_at_runtime(
    jira: Jira, site: RunningSite, receiver: Receiver
) -> None:
    await jira.create("Before")  # no target yet: nothing queued
    target = {"url": receiver.url, "events": ["comment_created"]}
    async with jira.session.put(f"{site.base_url}/_emulator/webhook", json=target) as answer:
        assert answer.status == 200
    await jira.put(f"{ISSUE}/PROJ1-1", {"fields": {"summary": "Edited"}})
    await jira.post(f"{ISSUE}/PROJ1-1/comment", {"body": doc("Hello")})
    (only,) = await receiver.wait_for(1)
    assert json.loads(only.body)["webhookEvent"] == "comment_created"
    assert "X-Hub-Signature" not in only.headers
    assert len(site.emulator.deliveries) == 1
