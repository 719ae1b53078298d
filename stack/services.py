"""How each service of the local stack is configured and started."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import uuid
from importlib import resources
from pathlib import Path

from stack.artifacts import tail
from stack.errors import MissingToolError, StartError
from stack.secure import SecureListener, listener_properties, scram_arguments

LOG4J = """log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
"""


def java_binary() -> str:
    """The ``java`` on PATH, checked to be 17 or newer."""
    java = shutil.which("java")
    if java is None:
        raise MissingToolError(
            "Java 17 or newer is required to run Kafka and DynamoDB Local, but `java` was "
            "not found on PATH. Install a JDK (e.g. `apt install openjdk-17-jdk-headless`) "
            "or put its bin folder on PATH."
        )
    result = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    if match is None or int(match.group(1)) < 17:
        found = match.group(1) if match else "unknown"
        raise MissingToolError(f"Java 17 or newer is required; {java} is version {found}.")
    return java


def kafka_properties(
    data: Path, port: int, controller_port: int, secure: SecureListener | None = None
) -> str:
    """A one-node KRaft broker; with ``secure``, a ``SASL_SSL`` listener besides."""
    host = "127.0.0.1"
    listeners = f"PLAINTEXT://{host}:{port}"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if secure is not None:
        listeners += f",SASL_SSL://{host}:{secure.port}"
        protocols += ",SASL_SSL:SASL_SSL"
    extra = listener_properties(secure) if secure is not None else {}
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{host}:{controller_port}",
            f"listeners={listeners},CONTROLLER://{host}:{controller_port}",
            f"advertised.listeners={listeners}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            f"listener.security.protocol.map={protocols}",
            *(f"{key}={value}" for key, value in extra.items()),
            f"log.dirs={data}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "log.retention.hours=-1",
            "",
        ]
    )


def prepare_kafka(
    java: str,
    lib: Path,
    run: Path,
    port: int,
    controller_port: int,
    secure: SecureListener | None = None,
) -> list[str]:
    """Write a fresh KRaft config and storage (the SCRAM user of ``secure`` in it); return
    the broker's command line."""
    data = run / "kafka-data"
    shutil.rmtree(data, ignore_errors=True)
    config = run / "server.properties"
    config.write_text(kafka_properties(data, port, controller_port, secure))
    config.chmod(0o600)  # the keystore password
    log4j = run / "log4j.properties"
    log4j.write_text(LOG4J)
    base = [java, f"-Dlog4j.configuration=file:{log4j}", "-cp", f"{lib}/*"]
    cluster_id = _cluster_id()
    format_log = run / "kafka-format.log"
    with format_log.open("wb") as sink:
        result = subprocess.run(
            [*base, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)]
            + (scram_arguments(secure) if secure is not None else []),
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
    if result.returncode != 0:
        raise StartError(f"formatting Kafka's KRaft storage failed:\n{tail(format_log)}")
    heap = ["-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true"]
    return [base[0], *heap, *base[1:], "kafka.Kafka", str(config)]


def _cluster_id() -> str:
    """A KRaft cluster id; never starting with '-', which the storage tool reads as an option."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not candidate.startswith("-"):
            return candidate


def dynamodb_command(java: str, lib: Path, port: int) -> list[str]:
    launcher = resources.files("stack").joinpath("java/LoopbackDynamoDBLocal.java")
    return [
        java,
        "-Xms128m",
        "-Xmx512m",
        "-Djirasync.bind=127.0.0.1",
        f"-Djava.library.path={lib}",
        "-cp",
        f"{lib}/*",
        str(launcher),
        "-inMemory",
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        str(port),
    ]
