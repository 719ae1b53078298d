"""The Kafka side of the publisher port: an idempotent producer with ``acks=all``.

The producer is started lazily and restarted after a failed start, so an ingress started
while the broker is down answers 503 (JIRA retries) instead of refusing to run.

An idempotent aiokafka producer that the broker finds out of sequence (after a broker
restart with records in flight) never recovers: aiokafka does not reset its sequence
numbers as the Java client does, so every later record fails the same way
(aio-libs/aiokafka#1017). Such a producer is replaced by a new one (a new producer id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from functools import partial

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)

from ingress.publisher import MessageTooLarge, PublishError, RecordHeaders
from streams.kafka_admin import TopicShape, ensure_topics
from streams.kafka_reach import started
from streams.kafka_security import PLAINTEXT, KafkaSecurity, client_options

log = logging.getLogger(__name__)
START_WAIT = 30.0  # seconds a producer may take to connect before the cause is looked for
# The producer's idempotence state is broken: no later record can succeed on it.
BROKEN_PRODUCER = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
)


@dataclass(frozen=True)
class TopicSpec:
    partitions: int
    replication_factor: int
    max_record_bytes: int


@dataclass(frozen=True)
class ProducerConfig:
    bootstrap_servers: str
    request_timeout: float = 5.0
    max_record_bytes: int = 26 * 1024 * 1024
    max_batch_bytes: int = 1024 * 1024
    close_timeout: float = 10.0
    client_id: str = "jira-sync-ingress"
    topics: tuple[str, ...] = ()
    topic_spec: TopicSpec | None = None
    security: KafkaSecurity = PLAINTEXT


class KafkaPublisher:
    def __init__(self, config: ProducerConfig) -> None:
        self._config = config
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._retired: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Create missing topics and connect; a broker that is down is only a warning."""
        config = self._config
        try:
            if config.topics and config.topic_spec is not None:
                spec = config.topic_spec
                sizes = {"max.message.bytes": str(spec.max_record_bytes)}
                shapes = [
                    TopicShape(name, spec.partitions, spec.replication_factor, sizes)
                    for name in dict.fromkeys(config.topics)
                ]
                created = await ensure_topics(
                    config.bootstrap_servers, shapes, config.request_timeout, config.security
                )
                log.info("topics ready", extra={"topics_created": created})
            await self._ready()
        except (KafkaError, PublishError) as error:
            log.warning(
                "Kafka is not reachable yet; publishing will retry", extra={"error": str(error)}
            )

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
    ) -> asyncio.Future[None]:
        """Hand the record to the producer (waiting only while its buffer is full or the
        topic's metadata unknown); the future fails with ``PublishError``."""
        producer = self._producer or await self._ready()
        try:
            sent = await producer.send(topic, value=value, key=key, headers=list(headers))
        except KafkaError as error:
            raise self._publish_error(producer, error, topic, len(value)) from error
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        sent.add_done_callback(partial(self._settle, producer, acked, topic, len(value)))
        return acked

    async def publish(
        self, topic: str, key: bytes | None, value: bytes, headers: RecordHeaders = ()
    ) -> None:
        await (await self.send(topic, key, value, headers))

    def _settle(
        self,
        producer: AIOKafkaProducer,
        acked: asyncio.Future[None],
        topic: str,
        size: int,
        sent: asyncio.Future[object],
    ) -> None:
        if acked.done():
            return
        if sent.cancelled():
            acked.set_exception(PublishError("the producer gave the record up"))
        elif isinstance(error := sent.exception(), KafkaError):
            acked.set_exception(self._publish_error(producer, error, topic, size))
        elif error is not None:
            acked.set_exception(PublishError(f"{type(error).__name__}: {error}"))
        else:
            acked.set_result(None)

    def _publish_error(
        self, producer: AIOKafkaProducer, error: KafkaError, topic: str, size: int
    ) -> PublishError:
        if isinstance(error, MessageSizeTooLargeError):
            return MessageTooLarge(f"{size} bytes is too large for {topic}")
        if isinstance(error, BROKEN_PRODUCER):
            self._retire(producer, error)
        return PublishError(f"{type(error).__name__}: {error}")

    async def close(self) -> None:
        """Flush and stop; give up after ``close_timeout`` (those senders got a 503)."""
        producer, self._producer = self._producer, None
        if self._retired:
            await asyncio.wait(set(self._retired))
        if producer is not None:
            await self._stop(producer)

    def _retire(self, producer: AIOKafkaProducer, error: KafkaError) -> None:
        """Stop using ``producer`` (the next publication starts a new one); it is stopped in
        the background, its pending records fail (their senders got or get a 503)."""
        if self._producer is not producer:
            return  # another publication retired it already
        self._producer = None
        log.warning(
            "Kafka producer retired; the next record starts a new one", extra={"error": repr(error)}
        )
        task = asyncio.create_task(self._stop(producer))
        self._retired.add(task)
        task.add_done_callback(self._retired.discard)

    async def _stop(self, producer: AIOKafkaProducer) -> None:
        try:
            await asyncio.wait_for(producer.stop(), self._config.close_timeout)
        except (TimeoutError, KafkaError) as error:
            log.warning("Kafka producer did not flush before closing", extra={"error": repr(error)})

    async def _ready(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                self._producer = await self._started_producer()
            return self._producer

    async def _started_producer(self) -> AIOKafkaProducer:
        config = self._config
        producer = AIOKafkaProducer(
            bootstrap_servers=config.bootstrap_servers,
            client_id=config.client_id,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=int(config.request_timeout * 1000),
            max_request_size=config.max_record_bytes,
            max_batch_size=config.max_batch_bytes,
            **client_options(config.security),
        )
        try:
            await started(producer, config.bootstrap_servers, config.security, START_WAIT)
        except KafkaError as error:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise PublishError(f"cannot reach Kafka: {type(error).__name__}: {error}") from error
        return producer
