"""Session fixtures: one real Kafka broker and one DynamoDB Local for the whole run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests import infra

_started: list[infra.Infra] = []


@pytest.fixture(scope="session")
def services() -> Iterator[infra.Infra]:
    with infra.provide() as provided:
        _started.append(provided)
        yield provided


@pytest.fixture(scope="session")
def kafka_bootstrap(services: infra.Infra) -> str:
    return services.kafka_bootstrap_servers


@pytest.fixture(scope="session")
def dynamodb_endpoint(services: infra.Infra) -> str:
    return services.dynamodb_endpoint_url


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A topic/table/group name no other test (or earlier run) uses."""
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    return f"t-{base}-{uuid.uuid4().hex[:8]}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for provided in _started:
        terminalreporter.write_line(
            f"services: Kafka {provided.kafka_bootstrap_servers}, DynamoDB "
            f"{provided.dynamodb_endpoint_url} from {provided.source}; "
            f"start-up took {provided.startup_seconds:.1f} s"
        )
