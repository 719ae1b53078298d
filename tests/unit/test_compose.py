"""compose.yaml's structure (no Docker engine runs here, so the file is checked, not run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stack.artifacts import DYNAMODB_LOCAL_VERSION, KAFKA_VERSION

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("ingress", "worker", "projections")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    found: dict[str, dict[str, Any]] = document["services"]
    return found


def test_has_the_infrastructure_and_app_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"kafka", "dynamodb", *APP_SERVICES}


def test_images_match_the_versions_the_local_stack_downloads(
    services: dict[str, dict[str, Any]],
) -> None:
    assert services["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert KAFKA_VERSION.startswith("3.9.")
    assert services["dynamodb"]["image"] == f"amazon/dynamodb-local:{DYNAMODB_LOCAL_VERSION}"
    assert DYNAMODB_LOCAL_VERSION.startswith("3.")


def test_kafka_is_single_node_kraft(services: dict[str, dict[str, Any]]) -> None:
    env = services["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "HOST://127.0.0.1:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def test_dynamodb_local_runs_in_memory_shared_without_telemetry(
    services: dict[str, dict[str, Any]],
) -> None:
    command = services["dynamodb"]["command"]
    assert {"-inMemory", "-sharedDb", "-disableTelemetry"} <= set(command)


def test_published_ports_bind_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    published = [port for spec in services.values() for port in spec.get("ports", [])]
    assert published
    assert all(str(port).startswith("127.0.0.1:") for port in published)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_here_and_wait_for_healthy_infrastructure(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    assert service["build"] == "."
    assert service["command"][0] == name
    assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"
    assert service["environment"]["DYNAMODB_ENDPOINT_URL"] == "http://dynamodb:8000"
    assert service["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "dynamodb": {"condition": "service_healthy"},
    }


def test_every_service_has_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert service["healthcheck"]["test"], name


def test_worker_can_scale_out(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "ports" not in worker
    assert "container_name" not in worker


def test_dockerfile_installs_the_project_and_runs_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert 'ENTRYPOINT ["jira-sync"]' in dockerfile
    for package in ("streams", "ingress", "projections", "stack", "sandbox", "jira_sync"):
        assert f"COPY {package} " in dockerfile
