"""Fuzzing the webhook routes: thousands of generated deliveries against the real ingress app.

Each hypothesis example is a batch of requests sent concurrently (so duplicated delivery
ids race each other in the outbox): real webhook bodies, mutated ones, random JSON and
bytes, bodies at and over the size limit, signed with the right secret (so the parser is
reached), the other site's secret, over another body, malformed or not at all; odd
content types and encodings, unicode headers, odd methods and paths.

Beyond "no 5xx, JSON on every 4xx" (``tests.fuzz.http``), the pure ``receive`` is the
oracle for every well-formed POST to a webhook route: the HTTP answer must be the status
and reason it gives, a 202 must name its webhook id, and the log must hold each accepted
delivery exactly once. A failure prints the falsifying batch and a ``@reproduce_failure``
blob; ``--hypothesis-seed=N`` replays a whole run.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from ingress.app import create_app
from ingress.context import IngressOptions
from ingress.publisher import MemoryPublisher
from ingress.receive import (
    BadSignature,
    Delivery,
    DeliveryError,
    NotAWebhook,
    NotJson,
    check_signature_header,
    receive,
)
from streams.jira.signature import sign
from streams.records import SiteNumber
from streams.topics import Topics
from streams.wire import Stamp, read_stamp
from tests.fuzz.http import Answer, Request, Served, batch_settings, serve
from tests.fuzz.strategies import (
    METHODS,
    content_types,
    extra_headers,
    header_text,
    odd_paths,
    webhook_bodies,
)
from tests.ingress.conftest import NOW, make_settings

QUOTA = 6000  # requests this module must have sent (the fuzz suite's total is >= 10,000)
BATCH = 25  # requests per example, sent concurrently
REPEATS = 4  # of which exact repeats of others in the batch
LIMIT = 64 * 1024  # body limit of the app under test: real samples fit, padding does not
SECRETS = {1: "secret of site one", 2: "secret of site two"}
TOPICS = Topics("jira-sync-test")
WEBHOOK_TOPICS = frozenset({TOPICS.events(1), TOPICS.events(2), TOPICS.ignored_events})
ROUTES = ("/webhook/jira1", "/webhook/jira2")
KNOWN = (*ROUTES, "/manual-sync", "/health", "/health/details", "/metrics")
REFUSALS: dict[type[DeliveryError], tuple[int, str]] = {
    BadSignature: (401, "unauthorized"),
    NotJson: (400, "not_json"),
    NotAWebhook: (400, "not_a_webhook"),
}
SIGNATURES = (
    "valid",
    "valid",
    "valid",
    "upper",
    "padded",
    "other site",
    "other body",
    "sha1",
    "truncated",
    "garbage",
    "missing",
    "empty",
    "wrong first",
)
RETRIES = st.none() | st.sampled_from(["0", "1", "5", " 3 ", "-1", "99999999999", "\u0663", "x"])
ENCODINGS = st.sampled_from(["gzip", "deflate", "identity", "x-unknown"])
METHOD = st.sampled_from(METHODS)
SITE = st.sampled_from([1, 2])
SIGNATURE = st.sampled_from(SIGNATURES)
BODIES = webhook_bodies(LIMIT)
PATHS = odd_paths(KNOWN)
IDENTIFIERS = st.none() | st.integers(0, 3) | header_text
CONTENT_TYPES = st.none() | content_types


@dataclass(frozen=True)
class Spec:
    """One generated delivery; ``identifier`` is an index into the batch's id pool or text."""

    site: int
    method: str
    path: str | None  # None: the site's webhook route
    body: bytes
    signature: str
    identifier: int | str | None
    retry: str | None
    content_type: str | None
    encoding: str | None
    extra: tuple[tuple[str, str], ...]
    chunked: bool

    def __repr__(self) -> str:
        body = self.body if len(self.body) <= 120 else self.body[:120] + b"..."
        fields = {**vars(self), "body": f"[{len(self.body)}] {body!r}"}
        return "Spec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    odd = draw(st.integers(0, 9)) == 0  # one in ten: odd method or path
    return Spec(
        site=draw(SITE),
        method=draw(METHOD) if odd else "POST",
        path=draw(PATHS) if odd and draw(st.booleans()) else None,
        body=draw(BODIES),
        signature=draw(SIGNATURE),
        identifier=draw(IDENTIFIERS),
        retry=draw(RETRIES),
        content_type=draw(CONTENT_TYPES),
        encoding=draw(ENCODINGS) if draw(st.integers(0, 19)) == 0 else None,
        extra=tuple(draw(extra_headers)) if draw(st.integers(0, 3)) == 0 else (),
        chunked=draw(st.integers(0, 4)) == 0,
    )


@st.composite
def batches(draw: st.DrawFn) -> list[Spec]:
    """A batch, plus exact repeats of some of its deliveries (JIRA retries, duplicates)."""
    batch = draw(st.lists(specs(), min_size=BATCH - REPEATS, max_size=BATCH - REPEATS))
    repeats = draw(st.lists(st.integers(0, len(batch) - 1), min_size=REPEATS, max_size=REPEATS))
    return batch + [batch[index] for index in repeats]


def signature_headers(spec: Spec) -> list[tuple[str, str]]:
    secret = SECRETS[spec.site]
    valid = sign(spec.body, secret)
    digest = valid.removeprefix("sha256=")
    forms = {
        "valid": [valid],
        "upper": ["SHA256=" + digest.upper()],
        "padded": [f"  {valid} "],
        "other site": [sign(spec.body, SECRETS[3 - spec.site])],
        "other body": [sign(spec.body + b" ", secret)],
        "sha1": ["sha1=" + digest[:40]],
        "truncated": [valid[:-2]],
        "garbage": ["sha256=" + "zz" * 32],
        "missing": [],
        "empty": [""],
        "wrong first": ["sha256=" + "0" * 64, valid],
    }
    return [("X-Hub-Signature", value) for value in forms[spec.signature]]


def build(spec: Spec, nonce: str) -> Request:
    headers = signature_headers(spec)
    if isinstance(spec.identifier, int):
        headers.append(("X-Atlassian-Webhook-Identifier", f"{nonce}-{spec.identifier}"))
    elif spec.identifier is not None:
        headers.append(("X-Atlassian-Webhook-Identifier", spec.identifier))
    if spec.retry is not None:
        headers.append(("X-Atlassian-Webhook-Retry", spec.retry))
    if spec.content_type is not None:
        headers.append(("Content-Type", spec.content_type))
    if spec.encoding is not None:
        headers.append(("Content-Encoding", spec.encoding))
    headers += spec.extra
    path = spec.path or f"/webhook/jira{spec.site}"
    return Request(spec.method, path, tuple(headers), spec.body, spec.chunked)


@dataclass(frozen=True)
class Expected:
    status: int
    error: str | None = None
    reason: str | None = None
    delivery: Delivery | None = None


def oracle(request: Request) -> Expected | None:
    """What the pure delivery check says, for a plain POST to a webhook route; else None."""
    if request.method != "POST" or request.path not in ROUTES:
        return None
    if request.header("Content-Encoding") not in (None, "identity"):
        return None  # aiohttp decodes (or refuses) the body before the app sees it
    site: SiteNumber = 1 if request.path.endswith("1") else 2
    try:  # the signature header is checked before the body is read
        check_signature_header(CIMultiDict(request.headers), SECRETS[site])
    except DeliveryError as error:
        status, label = REFUSALS[type(error)]
        return Expected(status, label, error.reason)
    if len(request.body) > LIMIT:
        return Expected(413, "too_large", f"body is larger than {LIMIT} bytes")
    try:
        delivery = receive(site, CIMultiDict(request.headers), request.body, SECRETS[site], NOW)
    except DeliveryError as error:
        status, label = REFUSALS[type(error)]
        return Expected(status, label, error.reason)
    return Expected(202, delivery=delivery)


class Log:
    """How many times each (topic, webhook id) is on the memory publisher's log."""

    def __init__(self, publisher: MemoryPublisher) -> None:
        self.publisher = publisher
        self.counts: Counter[tuple[str, str]] = Counter()
        self.read = 0

    def new(self) -> set[tuple[str, str]]:
        """Take in the records published since the last call; return their keys."""
        records = self.publisher.records[self.read :]
        self.read += len(records)
        keys = [
            (record.topic, _stamp(record.headers).webhook_id)
            for record in records
            if record.topic in WEBHOOK_TOPICS
        ]
        self.counts.update(keys)
        return set(keys)


def _stamp(headers: tuple[tuple[str, bytes], ...]) -> Stamp:
    stamp = read_stamp(headers)
    assert stamp is not None, f"a webhook record without its stamp: {headers}"
    return stamp


def check_batch(answers: list[Answer], log: Log) -> None:
    new = log.new()
    for answer in answers:
        expected = oracle(answer.request)
        if expected is not None:
            check_against_oracle(answer, expected, log)
    twice = [key for key in new if log.counts[key] > 1]
    assert not twice, f"a delivery is on the log more than once: {twice[:3]}"
    acknowledged = {answer.json().get("webhook_id") for answer in answers if answer.status == 202}
    published = {webhook_id for _, webhook_id in new}
    assert published <= acknowledged, f"published without a 202: {published - acknowledged}"


def check_against_oracle(answer: Answer, expected: Expected, log: Log) -> None:
    assert answer.status == expected.status, f"expected {expected.status}: {answer.explain()}"
    document = answer.json()
    if expected.delivery is None:
        assert document == {"error": expected.error, "reason": expected.reason}, answer.explain()
        return
    delivery = expected.delivery
    assert document["webhook_id"] == delivery.webhook_id, answer.explain()
    events, ignored = TOPICS.events(delivery.stamp.site), TOPICS.ignored_events
    topic = events if delivery.synced else ignored
    assert document["status"] in {"accepted" if delivery.synced else "ignored", "duplicate"}
    assert log.counts[(topic, delivery.webhook_id)] == 1, f"not on {topic}: {answer.explain()}"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Served, MemoryPublisher]]:
    publisher = MemoryPublisher()
    settings_ = make_settings(
        webhook_secret=None, webhook_secret_1=SECRETS[1], webhook_secret_2=SECRETS[2]
    )
    app = create_app(settings_, publisher, IngressOptions(max_body_bytes=LIMIT), clock=lambda: NOW)
    with serve(app) as running:
        yield running, publisher


def test_generated_deliveries_get_the_answer_of_the_pure_check_and_never_a_5xx(
    served: tuple[Served, MemoryPublisher],
) -> None:
    running, publisher = served
    log = Log(publisher)
    nonces = (f"{uuid.uuid4().hex[:8]}-{n}" for n in itertools.count())

    @batch_settings(QUOTA // BATCH + 5)
    @given(batches())
    def batch(specs: list[Spec]) -> None:
        nonce = next(nonces)
        answers = running.send([build(spec, nonce) for spec in specs])
        check_batch(answers, log)

    batch()
    assert running.sent >= QUOTA, f"only {running.sent} requests were sent: {running.statuses}"
    assert {202, 400, 401, 413} <= set(running.statuses), running.statuses


def test_the_ingress_still_serves_and_counts_after_the_fuzzing(
    served: tuple[Served, MemoryPublisher],
) -> None:
    running, _ = served
    [health, metrics] = running.send([Request("GET", "/health"), Request("GET", "/metrics")])
    assert health.status == 200
    assert metrics.status == 200
    assert b'jira_sync_ingress_webhooks_total{outcome="accepted",site="jira1"}' in metrics.body
