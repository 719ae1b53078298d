"""Where the integration tests find Kafka and DynamoDB, in this order of preference:

1. ``KAFKA_BOOTSTRAP_SERVERS`` / ``DYNAMODB_ENDPOINT_URL`` from the environment;
2. testcontainers, when a Docker engine answers, with the images and settings of compose.yaml;
3. the project's own local stack (jars from Maven Central), on free ports.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from harness.infra import (
    OPENAPI_SPEC,
    ROOT,
    SHARED,
    WEBHOOK_SAMPLES,
    isolated_settings,
    shared_stack_home,
)
from stack import Stack, probes

# The paths and helpers the harness shares with the tests, under their old names here.
__all__ = [
    "OPENAPI_SPEC",
    "ROOT",
    "SHARED",
    "WEBHOOK_SAMPLES",
    "Infra",
    "compose_service",
    "docker_answers",
    "isolated_settings",
    "provide",
    "shared_stack_home",
]

COMPOSE = ROOT / "compose.yaml"


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap_servers: str
    dynamodb_endpoint_url: str
    source: str
    startup_seconds: float


def compose_service(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services[name]


@contextmanager
def provide() -> Iterator[Infra]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    dynamodb = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if kafka and dynamodb:
        yield Infra(kafka, dynamodb, "environment", 0.0)
    elif docker_answers():
        with _containers() as infra:
            yield infra
    else:
        with _local_stack() as infra:
            yield infra


def docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:
        return False
    return True


@contextmanager
def _local_stack() -> Iterator[Infra]:
    stack = Stack(shared_stack_home())
    state = stack.up(kafka_port=0, dynamodb_port=0)
    try:
        yield Infra(
            state.kafka_bootstrap_servers,
            state.dynamodb_endpoint_url,
            "local stack (Maven Central jars)",
            state.startup_seconds,
        )
    finally:
        stack.down()


@contextmanager
def _containers() -> Iterator[Infra]:
    from testcontainers.core.container import DockerContainer

    began = time.monotonic()
    kafka_spec, dynamodb_spec = compose_service("kafka"), compose_service("dynamodb")
    host_port = probes.free_port()
    env = dict(kafka_spec["environment"])
    env["KAFKA_ADVERTISED_LISTENERS"] = f"INTERNAL://localhost:19092,HOST://127.0.0.1:{host_port}"
    kafka = DockerContainer(kafka_spec["image"]).with_bind_ports(9092, host_port)
    for key, value in env.items():
        kafka = kafka.with_env(key, str(value))
    dynamodb = DockerContainer(dynamodb_spec["image"]).with_exposed_ports(8000)
    dynamodb = dynamodb.with_command(dynamodb_spec["command"])
    with kafka, dynamodb:
        bootstrap = f"127.0.0.1:{host_port}"
        endpoint = f"http://127.0.0.1:{dynamodb.get_exposed_port(8000)}"
        _wait_until(lambda: probes.kafka_answers(bootstrap), "Kafka container")
        _wait_until(lambda: probes.dynamodb_answers(endpoint), "DynamoDB Local container")
        yield Infra(bootstrap, endpoint, "testcontainers", round(time.monotonic() - began, 1))


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not answer within {timeout:.0f} s")
        time.sleep(0.5)
