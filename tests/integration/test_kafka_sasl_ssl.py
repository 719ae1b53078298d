"""Kafka as production runs it: a broker with a SASL_SSL listener (TLS with a CA of its own,
SCRAM users), started by the local stack, and jira-sync's clients over it.

The broker is this module's own (``Stack.up(sasl_ssl_port=0)`` in a run folder of its own, on
free 127.0.0.1 ports), stopped by its recorded pids at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import SecretStr

from harness.infra import shared_stack_home
from harness.pipeline import pipeline
from ingress.kafka import KafkaPublisher, ProducerConfig, TopicSpec
from jira_sync.doctor.infra import kafka_findings
from jira_sync.doctor.report import Outcome
from stack import Stack, StackHome
from stack.secure import SecureListener
from streams.kafka_admin import TopicShape, ensure_topics
from streams.kafka_reach import KafkaUnreachable, started
from streams.kafka_security import PLAINTEXT, KafkaProtocol, KafkaSecurity, client_options
from streams.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secure_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = StackHome(shared_stack_home().cache, tmp_path_factory.mktemp("sasl-ssl-stack"))
    stack = Stack(home)
    stack.up(kafka_port=0, dynamodb_port=0, sasl_ssl_port=0)
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="module")
def listener(secure_stack: Stack) -> SecureListener:
    state = secure_stack.status()
    assert state is not None
    assert state.secure is not None
    return state.secure


@pytest.fixture
def settings(listener: SecureListener, tmp_path: Path) -> Settings:
    """The settings `eval "$(jira-sync stack up --sasl-ssl-port 0)"` gives a process."""
    values = {name.lower(): value for name, value in listener.client_settings().items()}
    return Settings.model_validate(values)


def test_the_stack_exports_the_secure_listeners_settings(secure_stack: Stack) -> None:
    state = secure_stack.status()
    assert state is not None
    assert state.secure is not None
    exports = state.exports()
    assert f"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{state.secure.port}\n" in exports
    assert "KAFKA_SECURITY_PROTOCOL=SASL_SSL\nKAFKA_SASL_MECHANISM=SCRAM-SHA-512\n" in exports
    assert Path(state.secure.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")


async def test_records_round_trip_over_sasl_ssl(settings: Settings, unique_name: str) -> None:
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    assert security.protocol == "SASL_SSL"
    created = await ensure_topics(servers, [TopicShape(unique_name, 2, 1)], 20.0, security)
    assert created == [unique_name]
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", **client_options(security))
    await started(producer, servers, security, 30.0)
    try:
        for n in range(3):
            await producer.send_and_wait(unique_name, key=b"k", value=f"v{n}".encode())
    finally:
        await producer.stop()
    assert await _values(settings, unique_name, 3) == [b"v0", b"v1", b"v2"]


async def test_the_ingress_publishes_over_sasl_ssl(settings: Settings, unique_name: str) -> None:
    config = ProducerConfig(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        security=settings.kafka_security(),
        topics=(unique_name,),
        topic_spec=TopicSpec(partitions=1, replication_factor=1, max_record_bytes=1_000_000),
    )
    publisher = KafkaPublisher(config)
    await publisher.start()
    try:
        await publisher.publish(unique_name, b"10001", b'{"webhookEvent": "jira:issue_updated"}')
    finally:
        await publisher.close()
    assert await _values(settings, unique_name, 1) == [b'{"webhookEvent": "jira:issue_updated"}']


async def test_a_plaintext_client_against_the_listener_fails_naming_the_cause(
    listener: SecureListener, unique_name: str
) -> None:
    servers = f"127.0.0.1:{listener.port}"
    producer = AIOKafkaProducer(bootstrap_servers=servers, **client_options(PLAINTEXT))
    began = time.monotonic()
    with pytest.raises(KafkaUnreachable) as raised:
        await started(producer, servers, PLAINTEXT, 20.0)
    await producer.stop()
    assert time.monotonic() - began < 45  # an error, not a hang
    message = str(raised.value)
    assert message.startswith(f"cannot use Kafka at {servers} with PLAINTEXT: ")
    assert "the listener speaks TLS but this client does not" in message
    assert "set KAFKA_SECURITY_PROTOCOL=SSL, or SASL_SSL" in message
    with pytest.raises(KafkaUnreachable, match="speaks TLS"):  # the worker's first step
        await ensure_topics(servers, [TopicShape(unique_name, 1, 1)], 10.0, PLAINTEXT)


async def test_a_wrong_password_and_an_unknown_ca_are_named(settings: Settings) -> None:
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    wrong = KafkaSecurity(
        security.protocol,
        security.mechanism,
        security.username,
        SecretStr("wrong"),
        security.ca_file,
    )
    with pytest.raises(KafkaUnreachable, match=r"refused the SASL login.*KAFKA_SASL_PASSWORD"):
        await ensure_topics(servers, [], 10.0, wrong)
    system_cas = KafkaSecurity(
        security.protocol, security.mechanism, security.username, security.password
    )
    with pytest.raises(KafkaUnreachable, match=r"not trusted.*set KAFKA_SSL_CA_FILE"):
        await ensure_topics(servers, [], 10.0, system_cas)


async def test_doctor_connects_with_the_settings_and_says_when_the_protocol_is_wrong(
    settings: Settings,
) -> None:
    [brokers, *_] = await kafka_findings(settings, 10.0)
    assert (brokers.outcome, brokers.detail) == (
        "OK",
        f"1 broker(s) at {settings.kafka_bootstrap_servers} over SASL_SSL (SCRAM-SHA-512, "
        "user 'jira-sync')",
    )
    plaintext = settings.model_copy(
        update={
            "kafka_security_protocol": KafkaProtocol.PLAINTEXT,
            "kafka_sasl_mechanism": None,
            "kafka_sasl_username": None,
            "kafka_sasl_password": None,
            "kafka_ssl_ca_file": None,
        }
    )
    [failed] = await kafka_findings(plaintext, 10.0)
    assert failed.outcome is Outcome.FAIL
    assert "the listener speaks TLS" in failed.detail


async def test_a_worker_syncs_over_sasl_ssl(
    secure_stack: Stack, listener: SecureListener, unique_name: str, tmp_path: Path
) -> None:
    """The worker process gets only the SASL_SSL listener's settings; the harness (its
    ingress, its reads) uses the broker's plaintext listener."""
    state = secure_stack.status()
    assert state is not None
    env = listener.client_settings()
    async with pipeline(state.kafka_bootstrap_servers, unique_name, tmp_path, env=env) as p:
        await p.create(1, "Printer on fire")
        await p.eventually(lambda: p.find(2, "Printer on fire") is not None, within=120)
        # the worker reached Kafka only through the SASL_SSL listener
        assert p.env["KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{listener.port}"
        assert p.env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


async def _values(settings: Settings, topic: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        **client_options(settings.kafka_security()),
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while len(values) < count:
                values.append((await consumer.getone()).value)
    finally:
        await consumer.stop()
    return values
