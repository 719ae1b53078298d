"""faust around a rebalance, without losing events: ``SyncApp`` is ``faust.App`` with the
two changes below.

faust-streaming 0.15.3 takes events out of aiokafka and then throws them away, counting on
a seek to the committed offsets to fetch them again. That seek is aiokafka's
``seek_to_committed``, which leaves a partition alone when its group has no committed
offset (or offset 0). So for a partition its group never committed, such as every
partition when the first events reach two workers that start together, the thrown-away
events are never read again: if later events of that partition are handled, their commit
moves past the lost ones; if none come, the partition keeps uncommitted lag until a restart
reads it from the start. Two places throw events away:

1. ``Consumer.getmany`` drops what a fetch returns for a partition that is not active
   (paused during table recovery) or while the flow is stopped (during a rebalance). It
   happens because faust hands its set of active partitions to the consumer thread by
   reference, and a fetch still waiting when the partitions are revoked sees the set
   emptied, which aiokafka reads as "every partition": it returns the first events of the
   new assignment while faust cannot deliver them.
2. ``Recovery.on_recovery_completed`` makes the stream partitions fetchable, awaits the
   seek (a round trip to the broker), then resumes ``app.flow_control``, which empties the
   input queue of every stream: what the fetcher delivered during the seek is gone.

The changes:

- ``DeliverableOnlyThread`` (the consumer thread): when a fetch returns events faust would
  not deliver (flow stopped, flow control suspended, partition not active), the partition
  is moved back to the first of them, so they are fetched again once it is deliverable;
- ``HoldingRecovery``: flow control is suspended while recovery completes, and the thread
  fetches nothing while it is: no event reaches the queues faust is about to empty.

Nothing is delivered twice because of this: what is moved back was never delivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiokafka
import faust
from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as kafka_driver
from faust.types import TP
from faust.types.transports import TransportT

log = logging.getLogger(__name__)


def undeliverable(
    records: Mapping[TP, list[Any]],
    flowing: bool,
    active: set[TP] | None,
    buffered: set[TP],
) -> dict[TP, int]:
    """The partitions whose fetched events faust's ``Consumer.getmany`` would drop, each
    with the offset of its first fetched event (where it has to be read again from).

    ``flowing``: the consumer's flow and the app's flow control are both on; ``active``:
    faust's active partitions (``None`` for a client-only app, which takes everything);
    ``buffered``: partitions faust still takes while their stream's buffer is full."""
    return {
        tp: batch[0].offset
        for tp, batch in records.items()
        if batch and not (flowing and (active is None or tp in active or tp in buffered))
    }


class DeliverableOnlyThread(kafka_driver.AIOKafkaConsumerThread):
    """The aiokafka consumer thread, returning only events faust will deliver."""

    #: While flow control is suspended a fetch waits this long and returns nothing.
    held_fetch_pause: float = 0.02

    async def _fetch_records(
        self,
        consumer: aiokafka.AIOKafkaConsumer,
        active_partitions: set[TP],
        timeout: float | None = None,  # noqa: ASYNC109 - faust's signature
        max_records: int | None = None,
    ) -> Mapping[TP, list[Any]]:
        if not self.app.flow_control.is_active():
            # faust would not deliver what is fetched now (``HoldingRecovery``): rather
            # than fetching and moving back in a loop, wait a little and fetch nothing
            await asyncio.sleep(self.held_fetch_pause)
            return {}
        records = await super()._fetch_records(
            consumer, active_partitions, timeout=timeout, max_records=max_records
        )
        owner = self.consumer
        flowing = owner.flow_active and self.app.flow_control.is_active()
        active = None if self.app.client_only else active_partitions
        back = undeliverable(records, flowing, active, owner._buffered_partitions)
        if not back:
            return records
        assigned = consumer.assignment()
        for tp, offset in back.items():
            if tp in assigned:  # no await since the fetch: nothing moved it meanwhile
                consumer.seek(tp, offset)
        log.info(
            "events fetched while faust could not deliver them, to be read again: %s",
            ", ".join(f"{tp.topic}[{tp.partition}] from {offset}" for tp, offset in back.items()),
        )
        return {tp: batch for tp, batch in records.items() if tp not in back}


class DeliverableOnlyConsumer(kafka_driver.Consumer):
    def _new_consumer_thread(self) -> kafka_driver.AIOKafkaConsumerThread:
        return DeliverableOnlyThread(self, loop=self.loop, beacon=self.beacon)


class DeliverableOnlyTransport(kafka_driver.Transport):
    Consumer = DeliverableOnlyConsumer


class HoldingRecovery(Recovery):
    """faust's recovery, with flow control suspended until it has emptied the queues."""

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        # faust resumes flow control at the end; when it returns early because the group
        # moved on to a newer generation, the recovery of that generation resumes it.
        self.app.flow_control.suspend()
        await super().on_recovery_completed(generation_id)


class HoldingTableManager(TableManager):
    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = HoldingRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery


class SyncApp(faust.App):
    """``faust.App`` with the Kafka consumer and the table recovery of this module.

    ``before_revoking``: called with the revoked partitions before faust waits for the
    events its agents started (``streams.sync.agents.keyed_stream``: nothing more starts)."""

    def __init__(self, id: str, **options: Any) -> None:
        options.setdefault("TableManager", HoldingTableManager)
        super().__init__(id, **options)
        self.before_revoking: list[Callable[[set[TP]], None]] = []

    async def _on_partitions_revoked(self, revoked: set[TP]) -> None:
        for hook in list(self.before_revoking):
            hook(set(revoked))
        await super()._on_partitions_revoked(revoked)

    def _new_transport(self) -> TransportT:
        made = super()._new_transport()
        if type(made) is kafka_driver.Transport:
            return DeliverableOnlyTransport(self.conf.broker_consumer, self)
        return made
