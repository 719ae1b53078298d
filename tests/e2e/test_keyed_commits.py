"""Pairs at the same time in one worker, against the real broker: a pair whose JIRA write
hangs holds its partition's committed offset while later pairs of that partition finish,
and kill -9 with a restart redoes it, nothing lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from harness.pipeline import Pipeline, pipeline
from streams.sync.messages import pair_id_for
from streams.topics import Topics

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
HOP = {"host", "content-length", "transfer-encoding", "content-encoding", "connection"}


@dataclass
class HoldingProxy:
    """Site 2 as the worker sees it: the emulator, but an edit of a held issue waits
    until ``release`` (and is then refused: the worker that sent it is gone)."""

    target: str
    session: aiohttp.ClientSession
    url: str = ""
    held: set[str] = field(default_factory=set)
    waiting: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    def holds(self, request: web.Request) -> bool:
        parts = request.path.rstrip("/").split("/")
        editing = request.method == "PUT" and parts[-2:-1] == ["issue"]
        return editing and not self.gate.is_set() and parts[-1] in self.held

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if self.holds(request):
            self.waiting += 1
            await self.gate.wait()
            return web.json_response({"errorMessages": ["held"]}, status=503)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        body = await request.read()
        url = self.target + request.path_qs
        async with self.session.request(request.method, url, headers=headers, data=body) as answer:
            answer_body = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP}
            return web.Response(status=answer.status, body=answer_body, headers=kept)


@asynccontextmanager
async def holding_proxy(target: str) -> AsyncIterator[HoldingProxy]:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        proxy = HoldingProxy(target.rstrip("/"), session)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", proxy.forward)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        proxy.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield proxy
        finally:
            proxy.gate.set()
            await runner.cleanup()


async def records(p: Pipeline, topic: str) -> list[tuple[int, int, bytes]]:
    """(partition, offset, key) of every record of ``topic``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=p.kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, n) for n in range(p.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: list[tuple[int, int, bytes]] = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                found += [(tp.partition, r.offset, r.key or b"") for r in batch]
        return found
    finally:
        await consumer.stop()


async def committed(p: Pipeline, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=p.kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(f"{p.prefix}.worker")
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


PAIRS = 16


async def test_a_held_pair_holds_its_partitions_commit_and_kill_9_redoes_it(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, workers=0) as p:
        topic = Topics(p.prefix).pair_changes
        async with holding_proxy(p.sites[2].base_url) as proxy:
            p.env |= {"JIRA_2_BASE_URL": proxy.url, "SYNC_PAIR_CONCURRENCY": "16"}
            worker = p.start_worker()
            keys = [await p.create(1, f"keyed {n}") for n in range(PAIRS)]
            await p.eventually(lambda: all(p.twin(2, key) for key in keys), within=120)
            await p.quiet()

            head, *rest = keys
            twin = p.twin(2, head)
            assert twin is not None
            proxy.held |= {twin.key, twin.id}
            before = {part: offset for part, offset, _ in await records(p, topic)}
            await p.edit(1, head, summary="keyed 0 edited")
            await p.eventually(lambda: proxy.waiting > 0, within=60)
            for n, key in enumerate(rest, 1):
                await p.edit(1, key, summary=f"keyed {n} edited")

            def edited(key: str, n: int) -> bool:
                there = p.twin(2, key)
                return there is not None and there.fields["summary"] == f"keyed {n} edited"

            await p.eventually(lambda: all(edited(k, n) for n, k in enumerate(rest, 1)), 90)
            pair = pair_id_for(1, p.issues(1)[head].id).encode()
            seen = await records(p, topic)
            [(part, held)] = [
                (part, offset)
                for part, offset, key in seen
                if key == pair and offset > before.get(part, -1)
            ][:1]
            later = [o for q, o, key in seen if q == part and o > held and key != pair]
            assert later, "no later pair of the held one's partition to finish meanwhile"
            ends = {q: max(o for r, o, _ in seen if r == q) + 1 for q, _, _ in seen}
            others = [q for q in ends if q != part]

            async def others_committed() -> bool:
                now = await committed(p, topic)
                return all(now.get(q, 0) >= ends[q] for q in others)

            await p.eventually(others_committed, within=30)  # commits go on meanwhile
            await asyncio.sleep(2.0)  # several commit intervals while the head is held
            assert (await committed(p, topic)).get(part, 0) <= held
            assert not edited(head, 0)

            p.kill(worker)
            proxy.gate.set()  # its held write is refused: as if the worker died before it
            p.start_worker()
            await p.eventually(lambda: edited(head, 0), within=120)
            assert all(edited(k, n) for n, k in enumerate(rest, 1))
            await p.quiet()
            for site in (1, 2):
                summaries = [i.fields.get("summary") for i in p.issues(site).values()]
                assert len(summaries) == len(set(summaries)) == PAIRS
