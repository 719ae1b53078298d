"""One connection of a connections file as a single pair, for the commands that work on one
project pair (``match``, ``resync --connection``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jira_sync.cli import main
from streams.connections import ConnectionsError, load_connections, scoped
from streams.settings import ConflictPolicy
from tests.infra import isolated_settings

FILE = """connections:
  - {name: acme, projects: {1: ACME, 2: PARTNER}, mapping: acme.yaml, conflict_policy: jira1}
  - {name: globex, projects: {1: GLOBEX, 2: GLX}}
"""


def test_a_connection_becomes_the_single_pair_of_the_settings(tmp_path: Path) -> None:
    (tmp_path / "connections.yaml").write_text(FILE)
    settings = isolated_settings(sync_connections_file=tmp_path / "connections.yaml")
    acme = scoped(settings, "acme")
    assert (acme.jira_1_project_key, acme.jira_2_project_key) == ("ACME", "PARTNER")
    assert acme.mapping_file == tmp_path / "acme.yaml"  # relative to the connections file
    assert acme.conflict_policy is ConflictPolicy.JIRA1
    globex = scoped(settings, "globex")
    assert globex.conflict_policy is settings.conflict_policy  # the deployment's default
    assert scoped(settings, None) is settings
    with pytest.raises(ConnectionsError, match="no connection is named nope"):
        scoped(settings, "nope")
    assert [c.name for c in load_connections(settings)] == ["acme", "globex"]


def test_without_a_connections_file_the_single_pair_is_the_default_connection() -> None:
    [only] = load_connections(isolated_settings(jira_1_project_key="ONE", jira_2_project_key="TWO"))
    assert (only.name, only.projects) == ("default", {1: "ONE", 2: "TWO"})


def test_match_refuses_an_unknown_connection_before_reading_jira(tmp_path: Path) -> None:
    (tmp_path / "connections.yaml").write_text(FILE)
    env = {"SYNC_CONNECTIONS_FILE": str(tmp_path / "connections.yaml")}
    args = ["match", "--rule", "key-in-summary", "--dry-run", "--connection", "nope"]
    result = CliRunner().invoke(main, [*args, "--env-file", "/nonexistent/.env"], env=env)
    assert result.exit_code == 2
    assert "no connection is named nope (known: acme, globex)" in result.output
