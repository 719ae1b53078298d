"""The operator console in a real browser, against the real pipeline: Kafka, DynamoDB
Local, a worker process, two emulated sites, the projections app serving the console.

Headless Chromium (Debian's ``chromium``, installed by ``.ci/run``) driven by Playwright
with ``executable_path`` (no browser download): it signs in, finds the conflicted pair,
clicks "keep site 2", and sees the pair synced while both sites hold site 2's value; then,
on the same pipeline, re-drives a dead letter (a pair-changes ``Reexamine`` of that pair,
put on the dead-letter topic in the worker's format) from the dead-letters page, sees it
marked re-driven, and finds the record back on pair-changes exactly once. The
pages pass axe-core (shipped by ``axe-playwright-python``, so offline). Screenshots land in
``.jira-sync/screenshots/``; with ``JIRA_SYNC_CONSOLE_DOCS=1`` the conflicts page is also
written to ``docs/console.png`` (see docs/console.md).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiokafka import AIOKafkaProducer

from harness.infra import ROOT
from harness.pipeline import Pipeline, fields_of, pipeline
from projections.console_kafka import partition_of
from projections.service import ServeOptions, build_app
from sandbox.config import Faults
from streams.dead_letter_plan import REDRIVE_OF
from streams.dead_letter_redrive import read_topic
from streams.dead_letters import Original, letter
from streams.sync.messages import Reexamine
from streams.sync.normalize import encode_message
from streams.topics import Topics
from tests.projections.conftest import API_KEY, make_settings

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import Page, async_playwright, expect
except ImportError:  # pragma: no cover - the dev extras bring both
    async_playwright = None  # type: ignore[assignment]
SHOTS = ROOT / ".jira-sync" / "screenshots"
DOCS_SHOT = ROOT / "docs" / "console.png"

needs_browser = pytest.mark.skipif(
    CHROMIUM is None or async_playwright is None,
    reason="no headless Chromium here (apt-get install chromium; .ci/run installs it) "
    "or no Playwright (pip install -e '.[dev]')",
)


@asynccontextmanager
async def console(p: Pipeline, dynamodb: str) -> AsyncIterator[str]:
    """The projections app (projector + status API + console) on this pipeline's topics."""
    settings = make_settings(
        kafka_bootstrap_servers=p.kafka,
        kafka_topic_prefix=p.prefix,
        kafka_partitions=p.partitions,
        dynamodb_endpoint_url=dynamodb,
        dynamodb_table=p.prefix,
    )
    runner = web.AppRunner(build_app(settings, ServeOptions(host="127.0.0.1", port=0)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def conflicted_pair(p: Pipeline) -> tuple[str, str]:
    """A synced pair whose priority is then changed differently on both sides at once."""
    key1 = await p.create(1, "Shared desk", priority={"name": "High"}, labels=["ops"])
    await p.eventually(lambda: p.find(2, "Shared desk") is not None)
    twin = p.find(2, "Shared desk")
    assert twin is not None
    await p.quiet()
    for site in p.sites.values():
        site.emulator.faults = Faults(webhook_delay=1.5)  # both edits land before a webhook
    await asyncio.gather(
        p.edit(1, key1, priority={"name": "Highest"}), p.edit(2, twin.key, priority={"name": "Low"})
    )
    return key1, twin.key


async def status_of(p: Pipeline, base: str, sync_id: str, field: str = "state") -> Any:
    ident = sync_id.replace("#", "%23")
    async with p.session.get(f"{base}/syncs/{ident}", headers={"X-API-Key": API_KEY}) as answer:
        return (await answer.json()).get(field) if answer.status == 200 else None


async def dead_letter_of(p: Pipeline, pair_id: str, reason: str) -> str:
    """A dead letter as the worker writes one, of a pair-changes ``Reexamine`` of the pair
    (harmless to re-drive: the pair reads both sides and finds them equal); its id."""
    topics = Topics(p.prefix)
    key = pair_id.encode()
    where = (topics.pair_changes, partition_of(key, p.partitions), 0)
    original = Original(*where, key, encode_message(Reexamine("console browser test")))
    value = letter(reason, "pair-changes", key, {"pair": pair_id}, datetime.now(UTC), original)
    producer = AIOKafkaProducer(bootstrap_servers=p.kafka, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topics.dead_letter, value, key=key)
    finally:
        await producer.stop()
    return f"{sent.partition}:{sent.offset}"


async def redriven_records(p: Pipeline, letter_id: str) -> int:
    """How many committed records on pair-changes say they are the re-drive of the letter."""
    records = await read_topic(p.kafka, Topics(p.prefix).pair_changes, committed=True)
    mark = (REDRIVE_OF, letter_id.encode())
    return sum(mark in (record.headers or ()) for record in records)


async def accessible(page: Page, name: str) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=True)
    if name == "conflicts" and os.environ.get("JIRA_SYNC_CONSOLE_DOCS") == "1":
        await page.screenshot(path=str(DOCS_SHOT), full_page=True)


@needs_browser
async def test_an_operator_settles_a_conflict_with_keep_site_2_and_re_drives_a_dead_letter(
    kafka_bootstrap: str, dynamodb_endpoint: str, unique_name: str, tmp_path: Path
) -> None:
    async with (
        pipeline(kafka_bootstrap, unique_name, tmp_path) as p,
        console(p, dynamodb_endpoint) as base,
    ):
        key1, key2 = await conflicted_pair(p)
        sync_id = f"{key1}#{key2}"

        async def shown_conflicted() -> bool:
            return await status_of(p, base, sync_id) == "conflicted"

        await p.eventually(shown_conflicted, within=60)
        for site in p.sites.values():
            site.emulator.faults = Faults()
        pair_id = await status_of(p, base, sync_id, "pair_id")
        letter_id = await dead_letter_of(p, pair_id, REASON)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await operate(page, base, sync_id)
            await redrive(page, letter_id)
            await browser.close()
        one, two = p.issues(1)[key1], p.issues(2)[key2]
        await p.eventually(lambda: fields_of(one) == fields_of(two))
        assert one.fields["priority"]["name"] == "Low"
        assert await redriven_records(p, letter_id) == 1


async def timeline_shows(page: Page, text: str, within: float = 30.0) -> None:
    """The pair's timeline (read from the journal topic per request) shows ``text``."""
    deadline = asyncio.get_running_loop().time() + within
    while not await page.get_by_text(text).count():
        assert asyncio.get_running_loop().time() < deadline, f"the timeline never showed {text!r}"
        await asyncio.sleep(1)
        await page.reload()


async def operate(page: Page, base: str, sync_id: str) -> None:
    await page.goto(f"{base}/console")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await accessible(page, "sign-in")
    await page.get_by_label("Management API key").fill(API_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    await accessible(page, "overview")
    await shoot(page, "overview")
    await page.get_by_role("link", name="Conflicts").first.click()
    pair = page.get_by_role("region", name=sync_id)
    await expect(pair.get_by_text("Base (last agreed)")).to_be_visible()
    await accessible(page, "conflicts")
    await shoot(page, "conflicts")
    await pair.get_by_role("button", name="keep site 2").click()
    await expect(page.get_by_role("status")).to_contain_text("Sent keep site 2")
    await expect(page.locator("#pair-state")).to_have_text("synced", timeout=90_000)
    await timeline_shows(page, f"resolve {sync_id}: site 2 wins")
    await accessible(page, "pair")
    await shoot(page, "pair")


REASON = "console browser test: re-drive me"


async def redrive(page: Page, letter_id: str) -> None:
    await page.get_by_role("link", name="Dead letters").click()
    group = page.get_by_role("region", name=REASON)
    state = group.locator(f'[data-letter="{letter_id}"]')
    await expect(state).to_have_text("waiting")
    await accessible(page, "dead-letters")
    await group.get_by_role("button", name="Re-drive 1").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"Re-drove 1 letter(s) of {REASON!r}: {letter_id}.", timeout=60_000
    )
    await expect(state).to_have_text("redriven")
    await expect(group.get_by_role("button")).to_have_count(0)
    await shoot(page, "dead-letters")
