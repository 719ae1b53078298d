"""Kafka and DynamoDB for ``jira-sync up``: the configured ones when they answer, else the
local stack (started here, and stopped again on exit by whoever holds ``Infra.stack``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jira_sync.up.console import UpError, progress
from jira_sync.up.plan import DEFAULT_KAFKA
from jira_sync.up.supervisor import Supervisor
from stack import Stack, StackHome, probes
from streams.settings import Settings


@dataclass(frozen=True)
class Infra:
    kafka: str
    dynamodb_url: str | None
    stack: Stack | None  # the stack ``up`` started (and so stops), if any
    fresh_kafka: bool  # started by this ``up``: nothing from earlier runs in it
    fresh_dynamodb: bool


def infrastructure(settings: Settings, home: Path, supervisor: Supervisor) -> Infra:
    """Kafka and DynamoDB: the configured ones when they answer, else the local stack."""
    kafka = settings.kafka_bootstrap_servers
    kafka_ok = probes.kafka_answers(kafka)
    if not kafka_ok and kafka != DEFAULT_KAFKA:
        raise UpError(
            f"Kafka at {kafka} (KAFKA_BOOTSTRAP_SERVERS) does not answer; start it, or unset "
            "KAFKA_BOOTSTRAP_SERVERS and up starts a local Kafka"
        )
    endpoint = _dynamodb_endpoint(settings)
    local_dynamodb = endpoint is None and (settings.sandbox or not kafka_ok)
    if kafka_ok and not local_dynamodb:
        progress(f"using Kafka at {kafka}" + (f" and DynamoDB at {endpoint}" if endpoint else ""))
        return Infra(kafka, endpoint, None, fresh_kafka=False, fresh_dynamodb=False)
    stack = Stack(StackHome.at(home), progress=lambda message: progress(f"stack: {message}"))
    state = stack.up(
        kafka_port=9092 if probes.port_free("127.0.0.1", 9092) else 0,
        dynamodb_port=8000 if probes.port_free("127.0.0.1", 8000) else 0,
    )
    started = not state.already_running
    if started:
        supervisor.extra["stack_home"] = str(home)
        supervisor.extra["stack"] = {service.name: service.pid for service in state.services()}
        supervisor.save()
        progress(f"stack: started in {state.startup_seconds:.1f} s (stopped again on exit)")
    else:
        progress(f"stack: reusing the one running from {home / 'run'} (left running on exit)")
    return Infra(
        kafka=kafka if kafka_ok else state.kafka_bootstrap_servers,
        dynamodb_url=endpoint or state.dynamodb_endpoint_url,
        stack=stack if started else None,
        fresh_kafka=started and not kafka_ok,
        fresh_dynamodb=started and endpoint is None,
    )


def _dynamodb_endpoint(settings: Settings) -> str | None:
    """The configured DynamoDB endpoint, which must answer; None when none is configured."""
    if not settings.dynamodb_endpoint_url:
        return None
    endpoint = str(settings.dynamodb_endpoint_url).rstrip("/")
    if not probes.dynamodb_answers(endpoint):
        raise UpError(
            f"DynamoDB at {endpoint} (DYNAMODB_ENDPOINT_URL) does not answer; start it, or "
            "unset DYNAMODB_ENDPOINT_URL and up starts DynamoDB Local"
        )
    return endpoint
