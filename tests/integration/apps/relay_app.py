"""A minimal Faust app run as a real worker by test_faust_worker.py.

Everything comes from the environment so the test controls broker, topics and group.
"""

import os

import faust

app = faust.App(
    os.environ["RELAY_APP_ID"],
    broker=f"kafka://{os.environ['KAFKA_BOOTSTRAP_SERVERS']}",
    store="memory://",
    processing_guarantee="at_least_once",
    topic_disable_leader=True,
    topic_partitions=1,
    web_enabled=False,
)
source = app.topic(os.environ["RELAY_SOURCE"], value_serializer="json")
sink = app.topic(os.environ["RELAY_SINK"], value_serializer="json")


@app.agent(source)
async def relay(stream):  # type: ignore[no-untyped-def]
    async for key, value in stream.items():
        await sink.send(key=key, value={"relayed": value, "by": app.conf.id})
