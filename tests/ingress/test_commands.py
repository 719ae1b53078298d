"""Commands on the command topic: the seed's bodies as they are, and what is published."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.commands import (
    CommandError,
    FullResync,
    ManualSync,
    ResolveConflict,
    parse_command,
)
from tests.ingress.conftest import NOW

SEED_MANUAL = b'{"issue_key": "PROJ1-123", "source_instance": 1}'
SEED_RESOLVE = (
    b'{"sync_id": "PROJ1-123#PROJ2-456", "resolve_conflict": true, '
    b'"resolution_direction": "jira_1_to_2"}'
)


def test_the_seed_bodies_are_accepted_unchanged() -> None:
    manual = parse_command(SEED_MANUAL, "c-1", NOW)
    resolve = parse_command(SEED_RESOLVE, "c-2", NOW)
    resync = parse_command(b'{"full_resync": true}', "c-3", NOW)
    assert manual == ManualSync(
        command_id="c-1", issued_at=NOW, issue_key="PROJ1-123", source_instance=1
    )
    assert resolve == ResolveConflict(
        command_id="c-2",
        issued_at=NOW,
        sync_id="PROJ1-123#PROJ2-456",
        resolution_direction="jira_1_to_2",
    )
    assert resync == FullResync(command_id="c-3", issued_at=NOW)
    assert [c.key for c in (manual, resolve, resync)] == [
        "PROJ1-123",
        "PROJ1-123#PROJ2-456",
        "full-resync",
    ]


def test_a_published_command_is_plain_json_and_still_a_seed_style_body() -> None:
    resolve = parse_command(SEED_RESOLVE, "c-2", NOW)
    published = json.loads(resolve.to_bytes())
    assert published == {
        **json.loads(SEED_RESOLVE),
        "command": "resolve_conflict",
        "command_id": "c-2",
        "issued_at": "2026-01-02T03:04:05Z",
    }
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_command(resolve.to_bytes(), "other-id", later) == resolve
    without_kind = {k: v for k, v in published.items() if k != "command"}
    assert parse_command(without_kind, "other-id", later) == resolve


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"issue_key": "PROJ1-123", "source_instance": true}', "source_instance: must be 1 or 2"),
        (b'{"issue_key": "PROJ1-123", "source_instance": "1"}', "source_instance: must be 1 or 2"),
        (b'{"sync_id": "PROJ1-123"}', "sync_id: must be two issue keys"),
        (
            b'{"sync_id": "A-1#B-2", "resolve_conflict": false, '
            b'"resolution_direction": "jira_1_to_2"}',
            "resolve_conflict: Input should be True",
        ),
        (
            b'{"sync_id": "A-1#B-2", "resolve_conflict": true, "resolution_direction": "up"}',
            "resolution_direction: Input should be 'jira_1_to_2' or 'jira_2_to_1'",
        ),
        (
            b'{"full_resync": true, "issued_at": "2020-01-01T00:00:00"}',
            "issued_at: Input should have timezone",
        ),
        (b'{"command": "explode"}', "unknown command 'explode'"),
        (b'{"command": "full_resync", "issue_key": "A-1"}', "issue_key: Extra inputs"),
        (b"NaN", "body is not JSON"),
    ],
)
def test_invalid_commands_name_the_problem(body: bytes, reason: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_command(body, "c", NOW)
    assert raised.value.reason.startswith(reason)


@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_body_gives_a_command_or_a_command_error(body: bytes) -> None:
    try:
        command = parse_command(body, "c", NOW)
    except CommandError as error:
        reason = error.reason
    else:
        assert parse_command(command.to_bytes(), "other", NOW) == command
        return
    assert reason
