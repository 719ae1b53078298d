"""Ingress throughput and ack latency next to a bare aiohttp handler answering 202.

Both servers run on this machine in this run, each in its own process, under the same
loads, with the recorded webhooks of the reference set (signed, each with a fresh delivery
id):

- closed loop (saturation): ``--concurrency`` clients posting back to back for
  ``--duration`` seconds; webhooks/s and the ingress's share of the bare handler's;
- open loop (as JIRA sends): ``--rate`` webhooks a second on a fixed schedule whatever the
  answers, for ``--duration`` seconds; a webhook's ack latency runs from its scheduled
  send to its answer, so a server falling behind shows as latency, not as fewer requests.

With ``--kafka`` the ingress publishes to that broker (acks=all, idempotent); without it to
a publisher that acknowledges at once. Prints tables and writes the figures as JSON.

    .venv/bin/python -m bench.ingress --kafka 127.0.0.1:9092
    .venv/bin/python -m bench.ingress --smoke           # a few seconds, no broker needed
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench.common import RESULTS, LoadSampler, commit
from bench.servers import SECRET, run_server
from stack.probes import free_port
from streams.jira.signature import sign

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "reference" / "webhooks"
FALLBACK = b'{"timestamp": 1, "webhookEvent": "jira:issue_updated", "issue": {"id": "10001"}}'


@dataclass(frozen=True)
class Load:
    duration: float
    warmup: float
    concurrency: int
    rate: float = 500.0  # webhooks/s of the open loop


@dataclass(frozen=True)
class Result:
    requests: int
    errors: int
    webhooks_per_s: float
    p50_ms: float
    p99_ms: float
    # CPU time of the server process per webhook measured: the cost, whatever else runs
    cpu_ms_per_webhook: float | None = None


def bodies() -> list[tuple[bytes, str]]:
    paths = sorted(SAMPLES.glob("*.json"))
    found = [path.read_bytes() for path in paths] or [FALLBACK]
    return [(body, sign(body, SECRET)) for body in found]


async def post(
    session: aiohttp.ClientSession, url: str, payload: tuple[bytes, str], delivery_id: str
) -> bool:
    """One signed webhook; True when answered 202."""
    body, signature = payload
    headers = {"X-Hub-Signature": signature, "X-Atlassian-Webhook-Identifier": delivery_id}
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status == 202


async def measure(url: str, load: Load, payloads: list[tuple[bytes, str]]) -> Result:
    """Run the load; count only requests that started after the warm-up."""
    ids = itertools.count()
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + load.warmup
    stop = start + load.duration

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while (began := time.perf_counter()) < stop:
            number = next(ids)
            ok = await post(session, url, payloads[number % len(payloads)], f"b-{number}")
            if began >= start:
                latencies.append(time.perf_counter() - began)
                errors += not ok

    connector = aiohttp.TCPConnector(limit=load.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(load.concurrency)))
    return summarise(latencies, errors, load.duration)


async def open_loop(url: str, load: Load, payloads: list[tuple[bytes, str]]) -> Result:
    """``load.rate`` webhooks a second on a fixed schedule, each sent at its time whatever
    the answers so far (no connection limit); latency from the scheduled time to the answer.
    Only webhooks scheduled after the warm-up count."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    began = time.perf_counter()
    start = began + load.warmup
    total = int((load.warmup + load.duration) * load.rate)

    async def one(session: aiohttp.ClientSession, number: int, scheduled: float) -> None:
        nonlocal errors
        ok = await post(session, url, payloads[number % len(payloads)], f"o-{number}")
        if scheduled >= start:
            latencies.append(time.perf_counter() - scheduled)
            errors += not ok

    async with aiohttp.ClientSession(connector=connector) as session:
        sent: list[asyncio.Task[None]] = []
        for number in range(total):
            scheduled = began + number / load.rate
            if (wait := scheduled - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            sent.append(asyncio.create_task(one(session, number, scheduled)))
        await asyncio.gather(*sent)
    return summarise(latencies, errors, load.duration)


def summarise(latencies: list[float], errors: int, duration: float) -> Result:
    if len(latencies) < 2:
        raise SystemExit("bench: too few requests completed to measure; is the server up?")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(
        requests=len(latencies),
        errors=errors,
        webhooks_per_s=round(len(latencies) / duration, 1),
        p50_ms=round(cuts[49] * 1000, 2),
        p99_ms=round(cuts[98] * 1000, 2),
    )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_cpu(pid: int, measuring: Callable[[], Result]) -> Result:
    """``measuring()``'s result with the server's CPU time per webhook counted (warm-up
    included in the time, not in the count: a small overestimate)."""
    before = cpu_seconds(pid)
    result = measuring()
    after = cpu_seconds(pid)
    if before is None or after is None:
        return result
    per = (after - before) * 1000 / max(result.requests, 1)
    return replace(result, cpu_ms_per_webhook=round(per, 3))


@contextmanager
def server(kind: str, kafka: str | None) -> Iterator[tuple[str, int]]:
    """A server process on a free port; yields its webhook URL and pid; SIGTERM at the end."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=run_server, args=(kind, port, kafka), daemon=True
    )
    process.start()
    try:
        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}/health", process))
        yield f"http://127.0.0.1:{port}/webhook/jira1", process.pid or 0
    finally:
        process.terminate()
        process.join(30)


async def wait_until_up(url: str, process: multiprocessing.process.BaseProcess) -> None:
    async with aiohttp.ClientSession() as session, asyncio.timeout(60):
        while process.is_alive():
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise SystemExit(f"bench: the server behind {url} exited during start-up")


def run(load: Load, kafka: str | None) -> tuple[dict[str, Result], dict[str, Result]]:
    """Closed-loop and open-loop results of each server (one process per server)."""
    payloads = bodies()
    closed: dict[str, Result] = {}
    opened: dict[str, Result] = {}
    for kind in ("bare", "ingress"):
        with server(kind, kafka) as (url, pid):
            closed[kind] = with_cpu(pid, lambda: asyncio.run(measure(url, load, payloads)))
            opened[kind] = with_cpu(pid, lambda: asyncio.run(open_loop(url, load, payloads)))
    return closed, opened


def ratio(results: dict[str, Result]) -> dict[str, float]:
    bare, ingress = results["bare"], results["ingress"]
    fields = ("webhooks_per_s", "p50_ms", "p99_ms")
    return {f: round(getattr(ingress, f) / max(getattr(bare, f), 1e-9), 3) for f in fields}


def table(results: dict[str, Result], ratios: dict[str, float]) -> str:
    head = f"{'target':10}{'webhooks/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}"
    lines = [f"{head}{'errors':>8}{'cpu ms/webhook':>16}"]
    for kind, r in results.items():
        row = f"{kind:10}{r.webhooks_per_s:>12.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
        lines.append(f"{row}{r.requests:>10}{r.errors:>8}{_cpu(r):>16}")
    ratio_row = "".join(
        f"{ratios[f]:>{w}.2f}x" for f, w in (("webhooks_per_s", 11), ("p50_ms", 9), ("p99_ms", 9))
    )
    lines.append(f"{'ingress/bare':10}{ratio_row}")
    return "\n".join(lines)


def open_table(results: dict[str, Result], rate: float) -> str:
    lines = [f"open loop, {rate:g} webhooks/s: ack latency from the scheduled send"]
    head = f"{'target':10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
    lines.append(f"{head}{'cpu ms/webhook':>16}")
    for kind, r in results.items():
        row = f"{kind:10}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.requests:>10}{r.errors:>8}"
        lines.append(f"{row}{_cpu(r):>16}")
    return "\n".join(lines)


def _cpu(result: Result) -> str:
    return "-" if result.cpu_ms_per_webhook is None else f"{result.cpu_ms_per_webhook:.3f}"


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingress", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kafka", help="bootstrap servers; without it a discarding publisher")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per server")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500.0, help="webhooks/s of the open loop")
    parser.add_argument("--smoke", action="store_true", help="1 s per server, 8 clients")
    parser.add_argument("--output", type=Path, help="JSON file [default: bench/results/]")
    return parser.parse_args(argv)


def publisher_name(kafka: str | None) -> str:
    return f"kafka {kafka}" if kafka else "discarding (no broker)"


def report(
    args: argparse.Namespace,
    load: Load,
    results: tuple[dict[str, Result], dict[str, Result]],
    machine: LoadSampler,
) -> dict[str, object]:
    closed, opened = results
    return {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": commit(),
            "load_average_1m": machine.summary(),
            "publisher": publisher_name(args.kafka),
            "producer": "acks=all, idempotent" if args.kafka else None,
            **asdict(load),
            "smoke": args.smoke,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "targets": {kind: asdict(result) for kind, result in closed.items()},
        "ratio_ingress_to_bare": ratio(closed),
        "open_loop": {kind: asdict(result) for kind, result in opened.items()},
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = options(argv)
    if args.smoke:
        load = Load(1.0, 0.2, 8, min(args.rate, 100.0))
    else:
        load = Load(args.duration, 1.0, args.concurrency, args.rate)
    with LoadSampler() as machine:
        results = run(load, args.kafka)
    figures = report(args, load, results, machine)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    output = args.output or RESULTS / f"ingress-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(figures, indent=2) + "\n")
    clients = f"{load.concurrency} clients, {load.duration:g} s per server"
    print(f"publisher: {publisher_name(args.kafka)}; {clients}")
    print(table(results[0], ratio(results[0])))
    print(open_table(results[1], load.rate))
    print(f"written to {output}")
    return figures


if __name__ == "__main__":
    main()
