"""The worker logs JSON lines through the same scrubber as ingress and projections
(issue 16, item 10h), instead of Faust's own colour log setup."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from jira_sync.run.worker_cmd import sync_config, worker_process
from streams.logs import MASK, secrets_of
from streams.settings import Settings
from streams.sync.mapping import MappingFile
from streams.sync.worker import create_worker_app
from tests.unit.sync.test_worker_web import offline

TOKEN = "worker-api-token-0123456789"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_the_worker_process_logs_scrubbed_json(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        jira_1_base_url="http://127.0.0.1:1",
        jira_1_username="bot@example.com",
        jira_1_api_token=SecretStr(TOKEN),
    )
    config = sync_config(settings, MappingFile())
    app = create_worker_app(settings, offline(config), store="memory://")
    worker = worker_process(app, settings, "info")
    assert worker.override_logging is False  # Faust would replace the handlers on start
    logging.getLogger("streams.sync.worker").warning("GET failed with %s", TOKEN)
    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["message"] == f"GET failed with {MASK}"
    assert TOKEN not in line


def test_every_secret_of_the_settings_is_known_to_the_scrubber() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        webhook_secret=SecretStr("a" * 20),
        management_api_key=SecretStr("b" * 20),
    )
    values = {secret.get_secret_value() for secret in secrets_of(settings)}
    assert values == {"a" * 20, "b" * 20}
