"""Loading the connections file (``streams.connections``): what it accepts, and the words of
what it refuses (naming the file and the entry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.connections import DEFAULT, ConnectionsError, load_connections
from tests.infra import isolated_settings


def _load(tmp_path: Path, text: str, name: str = "connections.yaml") -> tuple[object, ...]:
    path = tmp_path / name
    path.write_text(text)
    return load_connections(isolated_settings(sync_connections_file=path))


def _refused(tmp_path: Path, text: str, name: str = "connections.yaml") -> str:
    with pytest.raises(ConnectionsError) as refused:
        _load(tmp_path, text, name)
    assert str(tmp_path / name) in str(refused.value)
    return str(refused.value)


def test_without_a_file_the_single_pair_is_the_default_connection() -> None:
    settings = isolated_settings(jira_1_project_key="ACME", jira_2_project_key="PART")
    [connection] = load_connections(settings)
    assert (connection.name, connection.projects) == (DEFAULT, {1: "ACME", 2: "PART"})


def test_a_yaml_file_lists_connections_with_mappings_near_it(tmp_path: Path) -> None:
    text = (
        "connections:\n"
        "  - {name: acme, projects: {1: ACME, 2: PART}, mapping: acme.yaml,"
        " conflict_policy: manual}\n"
        "  - {name: globex, projects: {1: GLOBEX, 2: GLX}, mapping: /etc/g.yaml}\n"
    )
    acme, globex = _load(tmp_path, text)
    assert acme.mapping == tmp_path / "acme.yaml"  # type: ignore[attr-defined]
    assert acme.conflict_policy == "manual"  # type: ignore[attr-defined]
    assert globex.mapping == Path("/etc/g.yaml")  # type: ignore[attr-defined]
    assert globex.projects == {1: "GLOBEX", 2: "GLX"}  # type: ignore[attr-defined]


def test_toml_site_keys_are_strings_and_still_name_the_sites(tmp_path: Path) -> None:
    text = '[[connections]]\nname = "acme"\n[connections.projects]\n1 = "ACME"\n2 = "PART"\n'
    [connection] = _load(tmp_path, text, "connections.toml")
    assert connection.projects == {1: "ACME", 2: "PART"}  # type: ignore[attr-defined]


def test_a_toml_site_key_other_than_1_or_2_is_refused(tmp_path: Path) -> None:
    text = '[[connections]]\nname = "acme"\n[connections.projects]\n1 = "ACME"\n3 = "PART"\n'
    message = _refused(tmp_path, text, "connections.toml")
    assert "connections.0.projects" in message


def test_a_project_in_two_connections_is_refused(tmp_path: Path) -> None:
    text = (
        "connections:\n"
        "  - {name: acme, projects: {1: ACME, 2: PART}}\n"
        "  - {name: other, projects: {1: OTHER, 2: PART}}\n"
    )
    assert "project PART on site 2 is in both acme and other" in _refused(tmp_path, text)


def test_the_same_key_on_both_sites_is_two_projects(tmp_path: Path) -> None:
    text = "connections:\n  - {name: same, projects: {1: SAME, 2: SAME}}\n"
    [connection] = _load(tmp_path, text)
    assert connection.projects == {1: "SAME", 2: "SAME"}  # type: ignore[attr-defined]


def test_a_duplicate_name_is_refused(tmp_path: Path) -> None:
    text = (
        "connections:\n"
        "  - {name: acme, projects: {1: ACME, 2: PART}}\n"
        "  - {name: acme, projects: {1: OTHER, 2: OPART}}\n"
    )
    assert "two connections are named acme" in _refused(tmp_path, text)


@pytest.mark.parametrize("key", ["acme", "A", "TOO_LONG_KEY", "1ACME"])
def test_a_bad_project_key_is_refused(tmp_path: Path, key: str) -> None:
    text = f"connections:\n  - {{name: acme, projects: {{1: '{key}', 2: PART}}}}\n"
    assert "is not a JIRA project key" in _refused(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("connections:\n  - {name: Acme, projects: {1: ACME, 2: PART}}\n", "lower case"),
        ("connections:\n  - {name: acme, projects: {1: ACME}}\n", "one project on site 1"),
        ("connections:\n  - {name: acme, projects: {1: A1, 2: B2}, colour: red}\n", "colour"),
        ("connections: []\n", "connections"),
        ("", "connections"),
        ("connections: [\n", "not valid YAML"),
    ],
)
def test_what_else_is_refused_names_the_entry(tmp_path: Path, text: str, words: str) -> None:
    assert words in _refused(tmp_path, text)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConnectionsError, match=r"absent\.yaml"):
        load_connections(isolated_settings(sync_connections_file=path))
