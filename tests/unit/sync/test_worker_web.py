"""Faust's web server is a loopback health probe only (issue 16, item 10f)."""

from __future__ import annotations

import pytest

from streams.settings import Settings
from streams.sync.applier import Applier
from streams.sync.knowledge import Knowledge
from streams.sync.messages import SyncConfig
from streams.sync.prepare import Prepared
from streams.sync.worker import create_worker_app


def offline(config: SyncConfig) -> Prepared:
    """What the worker runs on, without JIRA (the app is only built, never started)."""
    return Prepared(config, Applier({}, config, {}), Knowledge())


@pytest.mark.parametrize("web_port", [0, 6066])
def test_the_worker_web_server_is_on_loopback_without_tables_or_router(web_port: int) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    config = SyncConfig(project_keys={1: "PROJ1", 2: "PROJ2"})
    app = create_worker_app(settings, offline(config), store="memory://", web_port=web_port)
    assert app.conf.web_enabled is (web_port > 0)
    assert app.conf.web_bind == "127.0.0.1"
    assert app.conf.web_tables_enabled is False
    assert app.conf.web_router_enabled is False
    assert app.conf.web_stats_enabled is False
    assert app.conf.web_graph_enabled is False
